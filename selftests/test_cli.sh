#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The CLI end to end against the loaded module (state/policy add, list, get,
# update, del, flush, -j, refusal messages): see tools/tests/e2e.sh.
exec "$(dirname "$0")/../tools/tests/e2e.sh"
