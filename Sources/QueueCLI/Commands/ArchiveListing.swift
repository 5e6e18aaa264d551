import QueueCore

/// `list --archived`: archived jobs, newest day first (streamed; stops at --limit).
enum ArchiveListing {
    static func print(_ ctx: Context, state: JobState?, limit: Int?, json: Bool) {
        var remaining = limit ?? Int.max
        let defaultMaxRetries = (try? ctx.spool.config())?.maxRetries
        let table = json ? nil : JobTableWriter(ctx, defaultMaxRetries: defaultMaxRetries)
        defer { table?.finish() }
        guard remaining > 0 else { return }
        ctx.spool.forEachArchived(states: state.map { [$0] } ?? []) { job in
            if let table { table.add(job) } else { ctx.out.line(JSONOut.line(JobTable.json(job))) }
            remaining -= 1
            return remaining > 0
        }
    }
}
