import Foundation
import Testing

/// contrib/: the systemd unit, the logrotate snippet and the cron examples, checked with the
/// real tools (skipped with a SKIP line when a tool is missing) and the real binary.
@Suite struct ServiceFileTests {
    static let contrib = InstallTests.root + "/contrib"
    /// The directory of the binary under test, to put first on PATH.
    static let binDir = URL(fileURLWithPath: QueueCtlBinary.path).deletingLastPathComponent().path

    static func which(_ tool: String) -> String? {
        for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(tool)") {
            return "\(dir)/\(tool)"
        }
        return nil
    }

    @Test func systemdUnitVerifies() throws {
        let unit = try String(contentsOfFile: Self.contrib + "/queuectl-worker@.service", encoding: .utf8)
        // The stop contract: SIGTERM to the worker only, time for running jobs, restart on failure.
        for line in ["KillMode=mixed", "KillSignal=SIGTERM", "Restart=on-failure", "TimeoutStopSec=15min",
                     "ExecStart=/usr/local/bin/queuectl --spool /var/lib/queuectl/%i worker start --count ${QUEUECTL_WORKER_COUNT}"] {
            #expect(unit.split(separator: "\n").contains { $0 == line }, "missing \(line)")
        }
        guard let analyze = Self.which("systemd-analyze") else {
            print("SKIP: systemd-analyze not found (Debian package systemd): the unit was not verified")
            return
        }
        let s = TempSpool()
        try FileManager.default.createDirectory(atPath: s.dir + "/units", withIntermediateDirectories: true)
        // verify checks that ExecStart's program exists: point it at the binary under test.
        let local = unit.replacingOccurrences(of: "/usr/local/bin/queuectl", with: QueueCtlBinary.path)
        try local.write(toFile: s.dir + "/units/queuectl-worker@.service", atomically: true, encoding: .utf8)
        let r = InstallTests.run(analyze, ["verify", "--man=no", s.dir + "/units/queuectl-worker@default.service"], in: s.dir)
        #expect(r.code == 0, "\(r)")
        #expect(r.err.isEmpty && r.out.isEmpty, "\(r)")
    }

    /// Every command of contrib/queuectl.cron runs, with cron's PATH replaced by the binary
    /// under test and the spool by a temporary one, exits 0 and prints nothing (cron mails output).
    @Test func cronExamplesRunSilently() throws {
        let text = try String(contentsOfFile: Self.contrib + "/queuectl.cron", encoding: .utf8)
        var commands: [String] = []
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.range(of: #"^[A-Z_]+="#, options: .regularExpression) != nil { continue }  // environment
            // /etc/cron.d format: five time fields, the user, the command.
            let fields = line.split(separator: " ", maxSplits: 6, omittingEmptySubsequences: true)
            try #require(fields.count == 7, "not a cron.d line: \(line)")
            #expect(fields[5] == "queuectl", "user field: \(line)")
            // cron turns an unescaped % into a newline: every % must be written \%.
            let command = String(fields[6]).trimmingCharacters(in: .whitespaces)
            #expect(!command.replacingOccurrences(of: #"\%"#, with: "").contains("%"), "unescaped %: \(line)")
            commands.append(command.replacingOccurrences(of: #"\%"#, with: "%"))
        }
        #expect(commands.count >= 5)
        let s = TempSpool()
        #expect(s.run(["status"]).code == 0)
        let env = ["PATH": "\(Self.binDir):/usr/bin:/bin", "QUEUECTL_SPOOL": s.root, "SHELL": "/bin/sh"]
        for command in commands + commands {  // twice: the enqueues are idempotent
            let r = InstallTests.run("/bin/sh", ["-c", command], in: s.dir, env: env)
            #expect(r.code == 0 && r.out.isEmpty && r.err.isEmpty, "\(command): \(r)")
        }
        // Two runs of each enqueue line made one job each.
        #expect(s.ids(in: .pending).count == 2, "\(s.ids(in: .pending))")
    }

    /// contrib/queuectl.logrotate rotates a running background worker's log with copytruncate:
    /// the old lines move to .log.1 and the worker keeps writing to workers/<id>.log.
    @Test func logrotateKeepsBackgroundWorkerLogging() throws {
        guard let logrotate = Self.which("logrotate") else {
            print("SKIP: logrotate not found (Debian package logrotate): the snippet was not run")
            return
        }
        let s = TempSpool()
        s.fast()
        let started = s.run(["worker", "start", "--background"])
        #expect(started.code == 0, "\(started)")
        let worker = started.out.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { s.run(["worker", "stop", "--wait", "--timeout", "10"]) }
        let log = s.root + "/workers/\(worker).log"
        let first = s.run(["enqueue", "--command", "echo one"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(eventually { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("end \(first)") })

        var conf = try String(contentsOfFile: Self.contrib + "/queuectl.logrotate", encoding: .utf8)
        conf = conf.replacingOccurrences(of: "/var/lib/queuectl/*/workers/", with: s.root + "/workers/")
        if getuid() == 0 {
            conf = conf.replacingOccurrences(of: "su queuectl queuectl", with: "su root root")
        } else {
            conf = conf.replacingOccurrences(of: "su queuectl queuectl", with: "")
        }
        try conf.write(toFile: s.dir + "/logrotate.conf", atomically: true, encoding: .utf8)
        let r = InstallTests.run(logrotate, ["-f", "-s", s.dir + "/logrotate.state", s.dir + "/logrotate.conf"], in: s.dir)
        #expect(r.code == 0, "\(r)")
        let rotated = (try? String(contentsOfFile: log + ".1", encoding: .utf8)) ?? ""
        #expect(rotated.contains("end \(first)"), "rotated: \(rotated)")

        let second = s.run(["enqueue", "--command", "echo two"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(eventually { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("end \(second)") })
        let current = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // O_APPEND: the worker writes from the new end, no hole of NUL bytes where the old lines were.
        #expect(!current.contains("\0") && !current.contains(first), "current: \(current)")
        let logs = s.run(["worker", "logs", worker])
        #expect(logs.code == 0 && logs.out.contains("end \(second)"), "\(logs)")
    }
}
