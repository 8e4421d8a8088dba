#!/bin/sh
# Writer's command: starts the self-contained program installed in /opt/writer-app.
exec /opt/writer-app/writer-app "$@"
