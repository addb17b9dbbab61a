#!/usr/bin/env bash
# A real Slurm on this machine, end to end: installs Debian's slurm-wlm and munge, starts a
# single-node cluster (munged, slurmctld, slurmd), submits a small synthetic study as a 2-task
# job array with examples/slurm/study-array.sbatch, requeues task 1 in the middle of a trial,
# waits for both, merges the shards, reports, and stops the daemons (also on failure).
# Needs root: it writes /etc/slurm/slurm.conf and /etc/munge/munge.key.
#
#   scripts/slurm-smoke.sh        (work in $SMOKE_DIR, default /tmp/mimicc-slurm-smoke)
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
work=${SMOKE_DIR:-/tmp/mimicc-slurm-smoke}
say() { echo "slurm-smoke: $*"; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
swift build -c release 2>&1 | tail -1
mimicc=$checkout/.build/release/mimicc

rm -rf "$work"
mkdir -p "$work"/{state,spool,study,logs}
stop() {
    scancel --quiet --full "${job:-0}" 2>/dev/null || true
    [ -f "$work/slurmd.pid" ] && kill "$(cat "$work/slurmd.pid")" 2>/dev/null || true
    [ -f "$work/slurmctld.pid" ] && kill "$(cat "$work/slurmctld.pid")" 2>/dev/null || true
    [ -f "$work/munged.pid" ] && kill "$(cat "$work/munged.pid")" 2>/dev/null || true
}
trap stop EXIT

# munge: Slurm's authentication, with a key of our own.
mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
chmod 400 /etc/munge/munge.key
munged --force --pid-file="$work/munged.pid"

# One node with this machine's cores and most of its memory, one partition.
host=$(hostname -s)
memory=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 2048 ))
mkdir -p /etc/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=mimicc-smoke
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
KillWait=30
NodeName=$host CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=smoke Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -c
slurmd -c
for _ in $(seq 60); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo -h -o "%P %D %T %c %m" | sed 's/^/slurm-smoke: node: /'

# The study: two experiments of three trials, 3 epochs each, on the built-in synthetic data.
cat > "$work/study/base.yaml" <<SPEC
mimicc: 1
abstract: true
data: {dataset: synthetic, train: 2048, validation: 256, seed: 3}
train: {loss: cross-entropy, optimizer: {sgd: {lr: 0.02, momentum: 0.9, nesterov: true}}, batch: 32, epochs: 3, seed: 1}
search:
  method: random
  trials: 3
  space:
    train.optimizer.sgd.lr: {log-uniform: [0.005, 0.05]}
SPEC
printf 'mimicc: 1\nextends: base.yaml\nstudy: {family: CNN-1}\nmodel:\n  architecture: "16c5-mp4-depfc"\n  budget: {params: 60k, tolerance: 10%%}\n' > "$work/study/cnn.yaml"
printf 'mimicc: 1\nextends: base.yaml\nstudy: {family: MLP-1}\nmodel:\n  architecture: "depfc"\n  budget: {params: 60k, tolerance: 10%%}\n' > "$work/study/mlp.yaml"

cd "$work"
export STUDY=$work/study RESULTS=$work/results MIMICC=$mimicc LOGS=$work/logs
job=$(sbatch --parsable --array=1-2 --cpus-per-task=1 --mem=2G --output="$work/logs/slurm-%A_%a.log" \
    "$checkout/examples/slurm/study-array.sbatch")
say "submitted array job $job"

# Requeue task 1 once its first trial has finished an epoch.
for _ in $(seq 300); do
    ls "$work"/results/runs/*/trial-001/metrics.jsonl >/dev/null 2>&1 && break
    sleep 1
done
squeue -h -j "${job}_1" -o "%i %T %M" | sed 's/^/slurm-smoke: before requeue: /'
scontrol requeue "${job}_1"
say "requeued task ${job}_1 in the middle of its trial"

for _ in $(seq 900); do
    [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
    sleep 2
done
[ -z "$(squeue -h -j "$job")" ] || { say "the array did not finish in 30 minutes"; exit 1; }
sacct -j "$job" -X -n -o JobID,State,ExitCode 2>/dev/null | sed 's/^/slurm-smoke: sacct: /' || true

say "logs, one per attempt:"
ls "$work/logs" | sed 's/^/  /'
grep -h -E "interrupted|resumes after|study:" "$work"/logs/mimicc-study-*.log | sed 's/^/  /'
attempts=$(ls "$work"/logs/mimicc-study-*_1.attempt-*.log | wc -l)
[ "$attempts" -ge 2 ] || { say "task 1 has $attempts attempt log(s); the requeue did not give a second attempt"; exit 1; }
grep -q "interrupted by SIGTERM" "$work"/logs/mimicc-study-*_1.attempt-0.log || { say "attempt 0 of task 1 did not stop on SIGTERM"; exit 1; }

"$mimicc" study merge "$work"/results/shard-*.sqlite --into "$work/results/study.sqlite"
"$mimicc" study report "$work/study" --results "$work/results" | tee "$work/report.txt"
grep -q "Missing" "$work/report.txt" && { say "the report has missing cells"; exit 1; }
say "passed: 2 shards, a requeue mid-trial resumed, merged, reported; daemons stop now"
