import QueueCore

/// `GET /metrics`: the status report in the Prometheus text format 0.0.4, each family with HELP
/// and TYPE. Labels are bounded sets (state names, outcomes); never a job id. The counters
/// (`Spool.counters()`) are left out when they cannot be read (an unreadable
/// `stats/totals.json`): a missing series, rather than a false reset to 0.
public enum Metrics {
    public static func render(_ r: StatusReport, counters: JobCounters?) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, v) in samples { out += "\(name)\(labels) \(format(v))\n" }
        }
        family("queuectl_jobs", "gauge", "Jobs in the spool, by state.",
               JobState.allCases.map { ("{state=\"\($0.rawValue)\"}", Double(r.counts[$0] ?? 0)) })
        family("queuectl_oldest_pending_age_seconds", "gauge",
               "Seconds the oldest due pending job has waited (0 when none is due).",
               [("", r.pendingShape.oldestAge ?? 0)])
        family("queuectl_pending_not_yet_due", "gauge", "Pending jobs whose run time is in the future.",
               [("", Double(r.pendingShape.notYetDue))])
        var byState: [String: Int] = [:]
        for s in WorkerState.allCases { byState[s.rawValue] = 0 }
        for w in r.workers { byState[w.state.rawValue, default: 0] += 1 }
        family("queuectl_workers", "gauge", "Registered workers, by state.",
               byState.keys.sorted().map { ("{state=\"\($0)\"}", Double(byState[$0] ?? 0)) })
        let live = r.workers.filter { $0.state.isLive }
        family("queuectl_slots", "gauge", "Job slots of live workers.", [("", Double(live.reduce(0) { $0 + $1.record.count }))])
        family("queuectl_busy_slots", "gauge", "Jobs being run by live workers.",
               [("", Double(live.reduce(0) { $0 + $1.running.count }))])
        family("queuectl_paused", "gauge", "1 when the queue is paused.", [("", r.paused ? 1 : 0)])
        family("queuectl_jobs_finished_recent", "gauge", "Jobs finished by live workers in the last window.",
               [("{window=\"1m\"}", Double(r.finished.oneMinute)), ("{window=\"5m\"}", Double(r.finished.fiveMinutes)),
                ("{window=\"15m\"}", Double(r.finished.fifteenMinutes))])
        if let c = counters {
            family("queuectl_jobs_finished_total", "counter",
                   "Attempts ended, by outcome: completed, retried (failed, will run again), dead (no retries left).",
                   [("{outcome=\"completed\"}", Double(c.completed)), ("{outcome=\"retried\"}", Double(c.retried)),
                    ("{outcome=\"dead\"}", Double(c.dead))])
            family("queuectl_attempts_total", "counter", "Job attempts started.", [("", Double(c.attempts))])
        }
        return out
    }

    static func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
