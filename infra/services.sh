# Shared by khp up/down/ps: khp's services run as background JVMs with their pid and log under
# $KHP_STATE/services/<name>/ (KHP_STATE defaults to ~/.local/state/khp).
root=${KHP_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
state=${KHP_STATE:-$HOME/.local/state/khp}
services_dir=$state/services

# name module main-class
SERVICES=(
    "ledger-streams ledger-streams io.khp.ledger.LedgerService"
    "builder-service builder-service io.khp.builder.BuilderService"
    "verifier-service verifier-service io.khp.verifier.VerifierService"
)

service_pid() {  # prints the pid of a running service
    local f=$services_dir/$1/pid pid
    [ -f "$f" ] || return 1
    pid=$(cat "$f")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

external_kafka() { [ -n "${KHP_BOOTSTRAP:-}" ] && [ "${KHP_BOOTSTRAP}" != "127.0.0.1:${KHP_KAFKA_PORT:-9092}" ]; }
