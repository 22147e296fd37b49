"""Components of the hf-rag-space Pulumi program: settings, bundle, templates and Hub resources."""
