"""A project-owned `pulumi-resource-command` plugin (pulumi-command v1.2.1), local module only.

The Go module proxy reachable here does not serve `github.com/pulumi/pulumi-command/provider`, so
this Python gRPC server stands in for the Go binary: it serves `command:local:Command` and the
`command:local:run` invoke with the semantics of the real provider, for the PyPI SDK
`pulumi-command==1.2.1`. The `remote` module (SSH) is not implemented.

Run as `python -m command_provider ENGINE_ADDRESS` with this package's parent on PYTHONPATH (the
launcher `toolchain/bin/pulumi-resource-command.in` does that).
"""

VERSION = "1.2.1"
