//! Where the worker threads run: on Linux, each of rayon's pool threads and
//! each of the threads that check a file's rows is kept to a CPU of its
//! own when there is one such thread per CPU the process may use.
//!
//! The engine's parallel steps (the duplicate checks and indexes of the
//! contacts, the accounts' keys, the last check of the events' ids) run on
//! rayon's pool, and each file's rows are checked on as many threads. A
//! sleeping thread is woken on the CPU its waker runs on when the other
//! CPUs are busy at that moment, and Linux then leaves both threads
//! sharing that CPU for a long while after the other one goes idle: on a
//! 2-core machine the contacts' duplicate check ran on one core for 14–17
//! ms while the other idled, where it takes 6 ms on both (see
//! docs/performance.md, item 53). A thread kept to its own CPU cannot be
//! stacked on another's. The loading, scoring and fetching threads stay
//! free.
//!
//! Nothing is pinned when the pool has fewer threads than the CPUs the
//! process may use (`RAYON_NUM_THREADS`, a container's CPU quota) or more,
//! so that a process sharing a large machine is never tied to CPUs others
//! may be using; nor when the CPUs cannot be read or set.

/// Whether worker `i` is kept to the `i`-th CPU the process may use:
/// `allowed` is how many CPUs it may use, `threads` the pool's size.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) fn keeps_to_cpus(allowed: usize, threads: usize) -> bool {
    threads >= 2 && allowed == threads
}

/// The pool's size as rayon will make it: `RAYON_NUM_THREADS` when it is a
/// positive number, else the parallelism the process has.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn pool_size() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The CPUs the worker threads are kept to, by index (set once, by
/// [`place_worker_threads`]).
#[cfg(target_os = "linux")]
static CPUS: std::sync::OnceLock<Vec<usize>> = std::sync::OnceLock::new();

/// Keeps the calling thread to the CPU for worker `index`, if any.
#[cfg(target_os = "linux")]
fn keep_to_cpu(index: usize) {
    use rustix::thread::{sched_setaffinity, CpuSet};
    let Some(cpus) = CPUS.get().filter(|c| !c.is_empty()) else {
        return;
    };
    if let Some(&cpu) = cpus.get(index % cpus.len()) {
        let mut one = CpuSet::new();
        one.set(cpu);
        // A CPU that cannot be set leaves the thread free.
        let _ = sched_setaffinity(None, &one);
    }
}

/// Builds rayon's global pool with its threads kept to their CPUs, and
/// has the engine keep its row-checking threads to theirs, when
/// [`keeps_to_cpus`] says so; otherwise leaves both to their defaults.
#[cfg(target_os = "linux")]
pub(crate) fn place_worker_threads() {
    use rustix::thread::{sched_getaffinity, CpuSet};
    let Ok(mask) = sched_getaffinity(None) else {
        return;
    };
    let allowed: Vec<usize> = (0..CpuSet::MAX_CPU).filter(|&c| mask.is_set(c)).collect();
    let threads = pool_size();
    if !keeps_to_cpus(allowed.len(), threads) {
        return;
    }
    if CPUS.set(allowed).is_err() {
        return;
    }
    // If the pool existed already (it cannot here, at the start of
    // `main`), its threads stay as they are.
    let _already = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .start_handler(keep_to_cpu)
        .build_global();
    mqa_engine::data::on_checker_start(keep_to_cpu);
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn place_worker_threads() {}

#[cfg(test)]
mod tests {
    use super::keeps_to_cpus;

    #[test]
    fn threads_are_kept_to_cpus_only_when_the_pool_covers_them() {
        // A 2-core machine, all of it; or a cpuset of the process's own
        // (taskset -c 2,5): the same count.
        assert!(keeps_to_cpus(2, 2));
        // Fewer threads than CPUs (a quota, RAYON_NUM_THREADS): free.
        assert!(!keeps_to_cpus(4, 2));
        // More threads than CPUs, or a single one: free.
        assert!(!keeps_to_cpus(2, 3));
        assert!(!keeps_to_cpus(1, 1));
        assert!(!keeps_to_cpus(0, 0));
    }
}
