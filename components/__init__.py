"""The hf-rag-space Pulumi program's code, by floor (ARCHITECTURE.md "Layout and the import rule"): rules/,
config/, bundle/, hub/, and here the error tree, the retry loop and the Pulumi resources."""
