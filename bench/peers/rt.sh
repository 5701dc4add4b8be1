#!/usr/bin/env bash
# Request Tracker 5 as a benchmark peer for tessera-bench (never shipped or
# required by Tessera): installs Debian's request-tracker5 with PostgreSQL,
# runs a private PostgreSQL cluster and RT (Starman, 4 workers) on loopback
# only, sends RT's mail to a file, creates a queue and a user with rights on
# it, and prints what the harness needs.
#
#   bash bench/peers/rt.sh            # install (first time), configure, start
#   bash bench/peers/rt.sh fill 10000 # make the queue hold 10,000 tickets (in-process)
#   bash bench/peers/rt.sh stop       # stop RT and its PostgreSQL cluster
#
# Then, with the URL and credentials it prints:
#
#   target/release/tessera-bench --peer-rt http://127.0.0.1:18480 --rt-user bench --rt-password …
#
# Needs root and a Debian 12 machine (RT 5.0.3, PostgreSQL 15). It changes the
# machine: packages, /etc/request-tracker5/RT_SiteConfig.d/99-tessera-bench.pm
# and a cluster under $RT_BENCH_DIR. Nothing listens on anything but 127.0.0.1.
set -euo pipefail

RT_PORT=${RT_PORT:-18480}
RT_PG_PORT=${RT_PG_PORT:-55491}
RT_WORKERS=${RT_WORKERS:-4}
RT_BENCH_DIR=${RT_BENCH_DIR:-/var/lib/tessera-bench-rt}
RT_USER=${RT_USER:-bench}
RT_QUEUE=${RT_QUEUE:-Bench}
PG_BIN=/usr/lib/postgresql/15/bin
PG_DATA=$RT_BENCH_DIR/pg
PG_SOCK=$RT_BENCH_DIR/pg-sock
RT_LIB=/usr/share/request-tracker5/lib
RT_SERVER=/usr/share/request-tracker5/libexec/rt-server
SITE_CONFIG=/etc/request-tracker5/RT_SiteConfig.d/99-tessera-bench.pm
RT_PIDFILE=$RT_BENCH_DIR/rt-server.pid
RT_LOG=$RT_BENCH_DIR/rt-server.log

log() { printf 'rt.sh: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { log "run as root (apt-get, /etc/request-tracker5)"; exit 1; }

# Stops the Starman master (it stops its workers) and waits for it to exit.
stop_rt() {
    local pid
    pid=$(cat "$RT_PIDFILE" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        log "stopping RT (pid $pid)"
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$RT_PIDFILE"
}

stop_all() {
    stop_rt
    if [ -f "$PG_DATA/postmaster.pid" ]; then
        log "stopping PostgreSQL on port $RT_PG_PORT"
        su postgres -c "$PG_BIN/pg_ctl -D '$PG_DATA' -m fast -w stop" >/dev/null
    fi
}

if [ "${1:-}" = stop ]; then
    stop_all
    exit 0
fi

# --- fill N: tickets straight through RT's Perl API ----------------------------
# RT opens a few tickets a second through REST 2, so a queue of 10,000 would take
# the harness most of an hour. `rt.sh fill N` (RT set up and its database running)
# creates the missing ones in-process with RT::Ticket->Create and ->Correspond,
# the same calls REST 2 makes, each ticket with a first message of 40 words and a
# reply of 25 from the harness's vocabulary and one of 32 requesters, from
# $RT_FILL_WORKERS processes (default 2) at idle CPU priority. The harness then
# reuses them (it only creates what is still missing).
if [ "${1:-}" = fill ]; then
    target=${2:?usage: rt.sh fill N}
    workers=${RT_FILL_WORKERS:-2}
    started=$(date +%s)
    for w in $(seq 0 $((workers - 1))); do
        RT_QUEUE="$RT_QUEUE" RT_USER="$RT_USER" TARGET="$target" WORKER="$w" WORKERS="$workers" \
            chrt -i 0 perl -I"$RT_LIB" -e '
use strict; use warnings;
use RT; RT::LoadConfig(); RT::Init();
use MIME::Entity;
my @W = qw(server disk backup invoice refund domain mailbox password database network restart timeout
    certificate migration upgrade billing account firewall memory latency outage kernel storage bandwidth
    license renewal payment login spam resolver printer router cluster replica quota cache proxy webhook cron ipv6);
my ($target, $w, $n) = @ENV{qw(TARGET WORKER WORKERS)};
my $q = RT::Queue->new(RT->SystemUser); $q->Load($ENV{RT_QUEUE}); die "no queue\n" unless $q->id;
my $me = RT::CurrentUser->new; $me->Load($ENV{RT_USER}); die "no user\n" unless $me->id;
my $all = RT::Tickets->new(RT->SystemUser); $all->LimitQueue(VALUE => $q->id);
my $have = $all->Count;
srand(1000 + $have + $w);
sub words { join " ", map { $W[int rand @W] } 1 .. $_[0] }
for (my $i = $have + $w; $i < $target; $i += $n) {
    my $t = RT::Ticket->new($me);
    my ($id, undef, $msg) = $t->Create(
        Queue => $q->id, Subject => words(5), Requestor => ["customer" . ($i % 32) . "\@bench.example"],
        MIMEObj => MIME::Entity->build(Type => "text/plain", Charset => "UTF-8", Data => [words(40)]));
    die "create: $msg\n" unless $id;
    my ($ok, $err) = $t->Correspond(MIMEObj => MIME::Entity->build(Type => "text/plain", Charset => "UTF-8", Data => [words(25)]));
    die "correspond: $err\n" unless $ok;
    print STDERR "rt.sh fill: ", $i + 1, " of $target\n" if ($i + 1) % 500 < $n;
}
' &
    done
    wait
    log "fill: $target tickets in queue $RT_QUEUE after $(( $(date +%s) - started )) s"
    exit 0
fi

# --- 1. Packages -------------------------------------------------------------
# dbconfig is declined (this script makes its own database) and no MTA daemon
# runs: RT's $MailCommand is 'mbox' below, so exim4 only satisfies the
# package's dependency on a mail transport agent. w3m is RT's recommended
# HTML-to-text converter (without it RT warns of slow HTML handling).
if ! dpkg-query -W -f='${Status}' request-tracker5 2>/dev/null | grep -q 'install ok installed' \
    || ! dpkg-query -W -f='${Status}' starman 2>/dev/null | grep -q 'install ok installed' \
    || ! dpkg-query -W -f='${Status}' w3m 2>/dev/null | grep -q 'install ok installed'; then
    log "installing request-tracker5, rt5-db-postgresql, starman (a few minutes)"
    export DEBIAN_FRONTEND=noninteractive
    debconf-set-selections <<'EOF'
request-tracker5 request-tracker5/dbconfig-install boolean false
rt5-db-postgresql rt5-db-postgresql/dbconfig-install boolean false
EOF
    apt-get update -q
    apt-get install -y -q --no-install-recommends \
        dbconfig-no-thanks exim4-daemon-light postgresql-15 \
        request-tracker5 rt5-db-postgresql rt5-standalone starman w3m
fi

# --- 2. A private PostgreSQL cluster on 127.0.0.1:$RT_PG_PORT -----------------
mkdir -p "$RT_BENCH_DIR" "$PG_SOCK"
chown postgres:postgres "$PG_SOCK"
if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "creating a PostgreSQL cluster in $PG_DATA"
    install -d -o postgres -g postgres "$PG_DATA"
    su postgres -c "$PG_BIN/initdb -D '$PG_DATA' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
fi
if ! su postgres -c "$PG_BIN/pg_ctl -D '$PG_DATA' status" >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$RT_PG_PORT"
    su postgres -c "$PG_BIN/pg_ctl -D '$PG_DATA' -w -l '$PG_DATA/server.log' \
        -o \"-c listen_addresses=127.0.0.1 -p $RT_PG_PORT -c unix_socket_directories=$PG_SOCK\" start" >/dev/null
fi

# --- 3. RT's configuration ---------------------------------------------------
RT_PASSWORD_FILE=$RT_BENCH_DIR/password
if [ ! -s "$RT_PASSWORD_FILE" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$RT_PASSWORD_FILE")
fi
RT_PASSWORD=$(cat "$RT_PASSWORD_FILE")

cat > "$SITE_CONFIG" <<EOF
# Written by tessera's bench/peers/rt.sh: RT as a loopback-only benchmark peer.
Set(\$DatabaseType, 'Pg');
Set(\$DatabaseHost, '127.0.0.1');
Set(\$DatabasePort, '$RT_PG_PORT');
Set(\$DatabaseName, 'rt_bench');
Set(\$DatabaseUser, 'rt_bench');
Set(\$DatabasePassword, 'rt_bench');
Set(\$DatabaseAdmin, 'postgres');
Set(\$rtname, 'bench.example');
Set(\$Organization, 'bench.example');
Set(\$CorrespondAddress, 'rt\@bench.example');
Set(\$CommentAddress, 'rt-comment\@bench.example');
Set(\$WebPath, '');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $RT_PORT);
Set(\$WebBaseURL, 'http://127.0.0.1:$RT_PORT');
# Mail goes to mbox files under /var/lib/request-tracker5, never to the network.
Set(\$MailCommand, 'mbox');
Set(\$LogToSyslog, undef);
Set(\$LogToSTDERR, 'warning');
Set(\$LogToFile, undef);
EOF
chmod 0644 "$SITE_CONFIG"

# --- 4. RT's database --------------------------------------------------------
if ! psql -h 127.0.0.1 -p "$RT_PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'rt_bench'" | grep -q 1; then
    log "creating RT's database (rt-setup-database --action init)"
    rt-setup-database-5 --action init --dba postgres --dba-password '' >"$RT_BENCH_DIR/setup-database.log" 2>&1 \
        || { tail -20 "$RT_BENCH_DIR/setup-database.log" >&2; exit 1; }
fi

# --- 5. A queue and a privileged user with rights on it ------------------------
log "creating queue '$RT_QUEUE' and user '$RT_USER'"
RT_QUEUE="$RT_QUEUE" RT_USER="$RT_USER" RT_PASSWORD="$RT_PASSWORD" perl -I"$RT_LIB" -e '
use strict; use warnings;
use RT; RT::LoadConfig(); RT::Init();
my ($qname, $uname, $pw) = @ENV{qw(RT_QUEUE RT_USER RT_PASSWORD)};
my $q = RT::Queue->new(RT->SystemUser);
$q->Load($qname);
unless ($q->id) { my ($ok, $msg) = $q->Create(Name => $qname); die "queue: $msg\n" unless $ok; }
my $u = RT::User->new(RT->SystemUser);
$u->Load($uname);
unless ($u->id) {
    my ($ok, $msg) = $u->Create(Name => $uname, EmailAddress => "$uname\@bench.example", Privileged => 1);
    die "user: $msg\n" unless $ok;
}
my ($ok, $msg) = $u->SetPassword($pw); die "password: $msg\n" unless $ok;
for my $right (qw(SeeQueue ShowTicket CreateTicket ReplyToTicket CommentOnTicket ModifyTicket
                  OwnTicket ShowTicketComments Watch WatchAsAdminCc ShowOutgoingEmail)) {
    next if $u->PrincipalObj->HasRight(Right => $right, Object => $q);
    my ($ok, $msg) = $u->PrincipalObj->GrantRight(Right => $right, Object => $q);
    die "right $right: $msg\n" unless $ok;
}
'

# --- 6. RT under Starman on 127.0.0.1:$RT_PORT ---------------------------------
stop_rt  # a running RT is restarted to pick up the configuration
log "starting RT: Starman, $RT_WORKERS workers, 127.0.0.1:$RT_PORT"
nohup "$RT_SERVER" --server Starman --host 127.0.0.1 --port "$RT_PORT" --workers "$RT_WORKERS" \
    --pid "$RT_PIDFILE" >"$RT_LOG" 2>&1 &
for _ in $(seq 120); do
    if curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$RT_PORT/NoAuth/Login.html"; then break; fi
    sleep 0.5
done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
    -d "user=$RT_USER" --data-urlencode "pass=$RT_PASSWORD" "http://127.0.0.1:$RT_PORT/NoAuth/Login.html" || true)
if [ "$code" != 302 ] && [ "$code" != 200 ]; then
    log "RT does not answer its login page (HTTP $code); see $RT_LOG"
    exit 1
fi

cat <<EOF
RT_URL=http://127.0.0.1:$RT_PORT
RT_USER=$RT_USER
RT_PASSWORD=$RT_PASSWORD
RT_QUEUE=$RT_QUEUE
# target/release/tessera-bench --peer-rt http://127.0.0.1:$RT_PORT --rt-user $RT_USER --rt-password "\$(cat $RT_PASSWORD_FILE)" --rt-queue $RT_QUEUE
EOF
