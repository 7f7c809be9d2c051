// Package deploy holds secbrief's systemd unit (secbrief.service) and the
// tests that check it and the container files at the repository root
// (Dockerfile, docker-compose.yaml, .dockerignore) against each other and
// against the configuration they run with. It has no code of its own.
package deploy
