#!/usr/bin/env bash
# Redraws docs/html-report.png: the HTML report of the shipped suite (checks/ and
# environments/ of this repository), run four times against the loopback stand-ins of
# tests/cli/phenom (nothing leaves the machine), the stand-ins drifting between runs, the
# last run with the first three as --history; opened in headless Chromium on its failures
# (#outcome=fail,error,pending) and captured at 1280x1250.
# Needs chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
CONFORM_SCREENSHOT_TO=docs/html-report.png \
  cargo test --test cli phenom::html::the_html_report_of_the_shipped_suite
