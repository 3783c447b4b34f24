#!/bin/sh
curl -fsSL https://code-server.dev/install.sh | sh
code-server --auth none --port 13337 >${LOG_PATH} 2>&1 &
