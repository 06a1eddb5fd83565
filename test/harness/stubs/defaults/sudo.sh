# sudo: runs its command (a stubbed tool or a real one) as the runner's passwordless sudo does, and exits with its status.
"$@"
exit $?
