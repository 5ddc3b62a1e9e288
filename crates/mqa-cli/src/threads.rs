//! The thread pool's placement: on Linux, each of the pool's threads is
//! kept to a CPU of its own when the pool has one thread per CPU the
//! process may use.
//!
//! The engine's parallel steps (the duplicate checks and indexes of the
//! contacts, the accounts' keys, the last check of the events' ids) run on
//! rayon's pool. A sleeping pool thread is woken on the CPU its waker runs
//! on when the other CPUs are busy at that moment, and Linux then leaves
//! both pool threads sharing that CPU for a long while after the other one
//! goes idle: on a 2-core machine the contacts' duplicate check ran on one
//! core for 14–17 ms while the other idled, where it takes 6 ms on both
//! (see docs/performance.md, item 53). A thread kept to its own CPU
//! cannot be stacked on another's.
//!
//! Nothing is pinned when the pool has fewer threads than the CPUs the
//! process may use (`RAYON_NUM_THREADS`, a container's CPU quota) or more,
//! so that a process sharing a large machine is never tied to CPUs others
//! may be using; nor when the CPUs cannot be read or set.

/// Which CPU each pool thread (by index) is kept to: `allowed` are the
/// CPUs the process may use, `threads` the pool's size; `None` to leave
/// the threads free.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) fn placement(allowed: &[usize], threads: usize) -> Option<Vec<usize>> {
    (threads >= 2 && allowed.len() == threads).then(|| allowed.to_vec())
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

/// Builds rayon's global pool with its threads kept to their CPUs when
/// [`placement`] says so; otherwise leaves the pool to rayon's defaults.
#[cfg(target_os = "linux")]
pub(crate) fn place_pool_threads() {
    use rustix::thread::{sched_getaffinity, sched_setaffinity, CpuSet};
    let Ok(mask) = sched_getaffinity(None) else {
        return;
    };
    let allowed: Vec<usize> = (0..CpuSet::MAX_CPU).filter(|&c| mask.is_set(c)).collect();
    let threads = pool_size();
    let Some(cpus) = placement(&allowed, threads) else {
        return;
    };
    // If the pool exists already (it cannot here, at the start of `main`),
    // it stays as it is.
    let _already = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .start_handler(move |i| {
            if let Some(&cpu) = cpus.get(i) {
                let mut one = CpuSet::new();
                one.set(cpu);
                // A CPU that cannot be set leaves the thread free.
                let _ = sched_setaffinity(None, &one);
            }
        })
        .build_global();
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn place_pool_threads() {}

#[cfg(test)]
mod tests {
    use super::placement;

    #[test]
    fn threads_are_kept_to_cpus_only_when_the_pool_covers_them() {
        // A 2-core machine, all of it.
        assert_eq!(placement(&[0, 1], 2), Some(vec![0, 1]));
        // A cpuset of the process's own (taskset -c 2,5).
        assert_eq!(placement(&[2, 5], 2), Some(vec![2, 5]));
        // Fewer threads than CPUs (a quota, RAYON_NUM_THREADS): free.
        assert_eq!(placement(&[0, 1, 2, 3], 2), None);
        // More threads than CPUs, or a single one: free.
        assert_eq!(placement(&[0, 1], 3), None);
        assert_eq!(placement(&[3], 1), None);
        assert_eq!(placement(&[], 0), None);
    }
}
