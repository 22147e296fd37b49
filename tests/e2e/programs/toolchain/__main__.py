"""Toolchain probe: a dynamic resource from components/, a secret read, a pulumi_command run."""

import os

import pulumi
import pulumi_command

from components.marker import Marker

config = pulumi.Config()
canary = config.require_secret("canary")
marker = Marker("marker", os.environ["PROBE_MARKER_PATH"], "made by the toolchain probe")
ran = pulumi_command.local.Command(
    "echo", create=f"echo command-ran > {os.environ['PROBE_COMMAND_OUT']}; echo hello-from-command"
)
pulumi.export("digest", marker.digest)
pulumi.export("canary_length", canary.apply(len))
pulumi.export("command_stdout", ran.stdout)
