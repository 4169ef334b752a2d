#!/bin/bash
# Last init script (scripts run in alphabetical order): leaves the marker file that the health
# check in docker-compose.yml waits for, so that services depending on this database with
# `condition: service_healthy` start only once every init script has run.
touch /opt/oracle/oradata/dbsub-initdb.done
