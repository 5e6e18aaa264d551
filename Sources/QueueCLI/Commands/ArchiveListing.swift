import QueueCore

/// `list --archived`: archived jobs, newest day first (streamed; stops at --limit).
enum ArchiveListing {
    static func print(_ ctx: Context, state: JobState?, limit: Int?, json: Bool) {
        var remaining = limit ?? Int.max
        var items: [JSONValue] = []
        if !json { ctx.out.line(JobTable.header) }
        let defaultMaxRetries = (try? ctx.spool.config())?.maxRetries
        guard remaining > 0 else { if json { ctx.out.line(JSONOut.render(.array([]))) }; return }
        ctx.spool.forEachArchived(states: state.map { [$0] } ?? []) { job in
            if json { items.append(JobTable.json(job)) } else { ctx.out.line(JobTable.row(job, defaultMaxRetries: defaultMaxRetries)) }
            remaining -= 1
            return remaining > 0
        }
        if json { ctx.out.line(JSONOut.render(.array(items))) }
    }
}
