"""A Python implementation of Pulumi's `pulumi-language-python` language host plugin."""
