#!/bin/sh
exec "${0%/*}/../lambdascope/bin/lambdascope" extension --name "${0##*/}"
