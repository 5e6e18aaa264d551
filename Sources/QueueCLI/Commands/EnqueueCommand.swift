import QueueCore

/// `queuectl enqueue`: adds jobs. Prints each id on stdout.
struct EnqueueCommand: Command {
    static let name = "enqueue"
    static let abstract = """
        Add jobs to the queue (durable when the command returns); prints each job id. The job is
        a JSON object argument, JSON lines on stdin with '-' (one job per line; every line is
        checked before any job is added, then they are added in chunks of 10,000, each chunk's
        ids printed once durable: a crash mid-way keeps the chunks added), --command,
        --command-file or --job-file. The options also override the fields of JSON
        input; --delay and --timeout are at most 10 years once time_unit is applied. With
        --unique-key (or the JSON field unique_key), while a job with that key is pending,
        processing, failed (waiting for a retry), held or waiting, its id is printed instead
        and nothing is added.
        """
    static let usage = "(JSON | - | --command CMD | --command-file PATH | --job-file PATH) [OPTIONS]"
    static let summary = "Add a job (or many) to the queue and print each job id"
    static let options: [OptionSpec] = [
        .value("--command", "-c", placeholder: "CMD", kind: .text, help: "the shell command to run"),
        .value("--command-file", placeholder: "PATH", kind: .file, help: "read the shell command from a file"),
        .value("--job-file", placeholder: "PATH", kind: .file, help: "read the job's JSON object from a file"),
        .value("--id", placeholder: "ID", default: "generated, sortable by time", help: "the job id"),
        .value("--max-retries", placeholder: "N", default: "config max_retries", help: "retries after the first attempt"),
        .value("--priority", placeholder: "N", default: "0", help: "-9999...9999, higher runs first"),
        .value("--delay", placeholder: "T", default: "0", help: "due after T time units (config time_unit; seconds by default; at most 10 years)"),
        .value("--run-at", placeholder: "TIME", help: "due at an ISO-8601 time, e.g. 2026-11-24T07:15:00Z"),
        .value("--timeout", placeholder: "T", default: "config job_timeout", help: "kill the job after T time units (0 = no timeout)"),
        .value("--after", placeholder: "ID,...", kind: .jobID, help: "due only once these jobs completed; dead if one of them ends dead"),
        .value("--group", placeholder: "NAME", help: "concurrency group: at most config group.NAME.limit of its jobs run at once"),
        .value("--unique-key", placeholder: "KEY", help: "while an unfinished job has this key, print its id and add nothing (1...200 bytes)"),
    ]
    static let examples = [
        #"enqueue --command 'backup.sh /home' --max-retries 3 --priority 5"#,
        #"enqueue '{"id":"job1","command":"echo hi","max_retries":2}'"#,
        "enqueue - < jobs.jsonl",
    ]

    enum Source { case json(String), stdin, command(String), commandFile(String), jobFile(String) }
    var source: Source
    var id: String?
    var maxRetries: Int?
    var priority: Int?
    var delay: Double?
    var runAt: Timestamp?
    var timeout: Double?
    var after: [JobID] = []
    var group: GroupName?
    var uniqueKey: UniqueKey?

    init(_ args: inout Arguments) throws {
        let command = try args.option("--command", "-c")
        let commandFile = try args.option("--command-file")
        let jobFile = try args.option("--job-file")
        id = try args.option("--id")
        maxRetries = try args.intOption("--max-retries", in: 0...1_000_000)
        priority = try args.intOption("--priority", in: Job.priorityRange)
        delay = try args.secondsOption("--delay")
        if let s = try args.option("--run-at") {
            guard let t = Timestamp(iso8601: s) else { throw .usage("--run-at must be an ISO-8601 time with a zone in years 0000...9999 UTC, like 2026-11-24T07:15:00Z; got '\(s)'") }
            runAt = t
        }
        if delay != nil && runAt != nil { throw .usage("use either --delay or --run-at, not both") }
        timeout = try args.secondsOption("--timeout")
        if let s = try args.option("--after") {
            for part in s.split(separator: ",", omittingEmptySubsequences: false) { after.append(try JobID(String(part))) }
        }
        if let g = try args.option("--group") { group = try GroupName(g) }
        if let k = try args.option("--unique-key") { uniqueKey = try UniqueKey(k) }
        let positional = try args.rest()
        var sources: [Source] = []
        if let command { sources.append(.command(command)) }
        if let commandFile { sources.append(.commandFile(commandFile)) }
        if let jobFile { sources.append(.jobFile(jobFile)) }
        if positional.count > 1 { throw .usage("give one JSON job argument (use '-' for many on stdin)") }
        if let p = positional.first { sources.append(p == "-" ? .stdin : .json(p)) }
        guard sources.count == 1 else {
            throw .usage(sources.isEmpty ? "nothing to enqueue: give a JSON job, '-', --command, --command-file or --job-file"
                                         : "give only one of: a JSON job, '-', --command, --command-file, --job-file")
        }
        source = sources[0]
        if case .stdin = source, id != nil { throw .usage("--id cannot be used with '-' (many jobs)") }
        if case .stdin = source, uniqueKey != nil { throw .usage("--unique-key cannot be used with '-' (give each line a unique_key)") }
    }

    func run(_ ctx: Context) throws -> Int32 {
        let config = try ctx.spool.config()
        let now = Timestamp.now()
        var jobs: [Job] = []
        switch source {
        case .json(let text):
            jobs = [try Job.decode(Array(text.utf8), now: now)]
        case .command(let cmd):
            jobs = [try commandJob(cmd, now: now)]
        case .commandFile(let path):
            let bytes = try readInput(path)
            guard let text = String(validating: bytes, as: UTF8.self) else { throw QueueError.invalidJob("\(path) is not valid UTF-8") }
            jobs = [try commandJob(text, now: now)]
        case .jobFile(let path):
            jobs = [try Job.decode(try readInput(path), now: now)]
        case .stdin:
            return try runLines(ctx, config: config, now: now)
        }
        var overrides = overrides()
        if let id { overrides.id = try JobID(id) }
        if let group { for i in jobs.indices { jobs[i].group = group } }
        for i in jobs.indices { jobs[i] = try jobs[i].normalisedForEnqueue(overrides, config: config, now: now, sequence: i) }
        if let uniqueKey { for i in jobs.indices { jobs[i].uniqueKey = uniqueKey.rawValue } }
        try ctx.spool.create()
        let ids = try ctx.spool.enqueueIdempotent(jobs)
        for id in ids { ctx.out.line(id.rawValue) }
        return ExitCode.success
    }

    private func overrides() -> EnqueueOverrides {
        EnqueueOverrides(maxRetries: maxRetries, priority: priority, delay: delay, runAt: runAt, timeout: timeout, after: after)
    }

    /// `enqueue -`: all lines validated first, then committed in chunks (`Spool.enqueueLines`);
    /// each chunk's ids are printed once it is durable. A progress line on a terminal's stderr,
    /// and a summary on stderr always (stdout keeps carrying only the ids).
    /// `QUEUECTL_ENQUEUE_CHUNK` (a test hook) sets the chunk size.
    private func runLines(_ ctx: Context, config: Config, now: Timestamp) throws -> Int32 {
        let overrides = overrides()
        let group = self.group
        try ctx.spool.create()
        let line = ProgressLine(ctx, label: "enqueue")
        let chunk = ctx.environment["QUEUECTL_ENQUEUE_CHUNK"].flatMap { Int($0) }.map { max(1, $0) } ?? Spool.enqueueChunkSize
        let count = try ctx.spool.enqueueLines(ctx.input, chunkSize: chunk, prepare: { (job, i) throws(QueueError) -> Job in
            var job = job
            if let group { job.group = group }
            return try job.normalisedForEnqueue(overrides, config: config, now: now, sequence: i)
        }, committed: { ids in
            for id in ids { ctx.out.line(id.rawValue) }
            ctx.out.flush()  // printed ids are always durable ones, even if a later chunk fails
        }, progress: line.reporter)
        line.finish("enqueued \(count) job\(count == 1 ? "" : "s") in \(line.took)")
        return ExitCode.success
    }

    private func commandJob(_ command: String, now: Timestamp) throws -> Job {
        guard !command.isEmpty else { throw QueueError.invalidJob("the command is empty") }
        guard !command.utf8.contains(0) else { throw QueueError.invalidJob("the command contains a NUL byte") }
        return Job(id: JobID.generate(now: now), command: command, now: now)
    }

    private func readInput(_ path: String) throws -> [UInt8] {
        do {
            guard let b = try JobInput.readFile(path) else {
                throw QueueError.invalidJob("\(path) is larger than \(Spool.maxJobFileSize) bytes")
            }
            return b
        } catch let e as QueueError {
            throw e
        } catch {
            throw .usage("cannot read \(path): \(error)")
        }
    }
}
