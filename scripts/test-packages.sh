#!/bin/sh
# npm test's pretest: the Debian packages the suite runs (redis-server for the rate-limit tests,
# chromium for the demo's browser test, nginx for the rolling deploy, kubernetes-client's kubectl
# to render the Kubernetes manifests). Missing ones are installed with apt-get when this runs as
# root; otherwise one line says what to install, and the tests that need it fail saying the same.
missing=""
# need COMMAND PACKAGE
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need redis-server redis-server
need chromium chromium
need nginx nginx
need kubectl kubernetes-client
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "npm test: installing$missing with apt-get"
  # shellcheck disable=SC2086 # one word per package
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing && exit 0
fi
echo "npm test needs$missing: install with apt-get install$missing (as root), then run npm test again" >&2
