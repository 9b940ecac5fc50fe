#!/bin/sh
# /opt/extensions/lambdascope: Lambda starts every file in /opt/extensions at init. The extension is the
# lambdascope binary, kept in its own folder with its private libraries so they never shadow the function's.
exec "$(dirname "$0")/../lambdascope/bin/lambdascope" extension --name lambdascope
