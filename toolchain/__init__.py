"""Project-owned Pulumi plugins for machines that cannot download Pulumi's release binaries.

The Go module proxy reachable here serves the Pulumi CLI (`pkg/v3`) but not the Python language
host module nor the `pulumi-command` provider module, so `scripts/install-pulumi.sh` builds the CLI
from Go and installs these Python implementations in their place. See toolchain/README.md.
"""
