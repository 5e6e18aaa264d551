import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#endif
import QueueSystem

/// `/metrics` counters through the binary: `queuectl_jobs_finished_total{outcome}` and
/// `queuectl_attempts_total` equal what the workers really did, across a clean stop, a restart, a
/// `kill -9` and `queuectl recover`, never decrease between scrapes, and the whole output passes
/// `promtool check metrics` without a word.
@Suite("metrics counters through the binary")
struct MetricsCounterTests {
    /// The samples of one scrape, by `name{labels}`.
    static func samples(_ body: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = Double(parts[1]) { out[String(parts[0])] = v }
        }
        return out
    }

    static let counterKeys = ["queuectl_attempts_total", "queuectl_jobs_finished_total{outcome=\"completed\"}",
                              "queuectl_jobs_finished_total{outcome=\"retried\"}", "queuectl_jobs_finished_total{outcome=\"dead\"}"]

    /// [attempts, completed, retried, dead] of one scrape (-1 where a sample is missing).
    static func counters(_ w: WebFixture) -> [Double] {
        guard let r = w.request("GET", "/metrics"), r.status == 200 else { return [] }
        let s = samples(r.body)
        return counterKeys.map { s[$0] ?? -1 }
    }

    /// The path of `promtool` on PATH, or nil.
    static func promtool() -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return dirs.map { "\($0)/promtool" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `promtool check metrics` on `text`: its exit code and everything it printed.
    static func promtoolCheck(_ tool: String, _ text: String) throws -> (code: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = output
        try p.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: printed, as: UTF8.self))
    }

    @Test func countersEqualWhatRanAndNeverDecreaseAcrossStopRestartCrashAndRecover() throws {
        let s = TempSpool()
        s.fast(["lease": "1"])  // heartbeats (which publish the counters) every third of a second
        let w = WebFixture(s)
        #expect(Self.counters(w) == [0, 0, 0, 0])
        // A scraper that runs all along: no figure may ever go down.
        let scrapes = LockedValue<[[Double]]>([])
        let stopScraping = LockedValue<Bool>(false)
        let scraperDone = LockedValue<Bool>(false)
        DetachedThread.start {
            while !stopScraping.withLock({ $0 }) {
                let c = Self.counters(w)
                if c.count == 4 { scrapes.withLock { $0.append(c) } }
                usleep(20_000)
            }
            scraperDone.withLock { $0 = true }
        }
        func settle(_ expected: [Double], _ what: String) {
            #expect(eventually(timeout: 30) { Self.counters(w) == expected }, "\(what): \(Self.counters(w)) != \(expected)")
        }

        // Worker 1: two complete, one fails once then dies, one dies at once.
        for (id, cmd, retries) in [("ok1", "true", 3), ("ok2", "true", 3), ("r1", "exit 3", 1), ("d1", "exit 4", 0)] {
            #expect(s.run("enqueue", "--id", id, "--command", cmd, "--max-retries", "\(retries)").code == 0)
        }
        let w1 = s.startWorker()
        #expect(eventually(timeout: 30) { s.ids(in: .completed).count == 2 && s.ids(in: .dead).count == 2 })
        settle([5, 2, 1, 2], "published by the live worker")
        #expect(w1.stop() == 0)
        settle([5, 2, 1, 2], "folded at its clean exit")
        #expect(!FileManager.default.fileExists(atPath: s.path("workers")) || s.spool.workers().isEmpty)

        // Worker 2: one job completes, another is running when the worker is killed (-9).
        #expect(s.run("enqueue", "--id", "ok3", "--command", "true").code == 0)
        #expect(s.run("enqueue", "--id", "sleeper", "--command", "sleep 30").code == 0)
        let w2 = s.startWorker()
        settle([7, 3, 1, 2], "the running attempt is counted when it starts")
        w2.kill9()
        settle([7, 3, 1, 2], "a killed worker's last published counters stay")
        // Recovery: the interrupted attempt goes back to pending (retried); the registration is folded.
        let rec = s.run("recover")
        #expect(rec.code == 0, "\(rec)")
        #expect(s.ids(in: .pending) == ["sleeper"])
        #expect(s.spool.workers().isEmpty, "recover removed the dead worker's registration")
        settle([7, 3, 2, 2], "after recover")
        #expect(s.run("delete", "sleeper").code == 0)

        // Worker 3 (a restart): one more dead job.
        #expect(s.run("enqueue", "--id", "d2", "--command", "exit 5", "--max-retries", "0").code == 0)
        let w3 = s.startWorker()
        #expect(eventually(timeout: 30) { s.ids(in: .dead).count == 3 })
        #expect(w3.stop() == 0)
        settle([8, 3, 2, 3], "after a restart")

        stopScraping.withLock { $0 = true }
        #expect(eventually { scraperDone.withLock { $0 } })
        let all = scrapes.withLock { $0 }
        #expect(all.count > 5)
        for (a, b) in zip(all, all.dropFirst()) {
            #expect(zip(a, b).allSatisfy { $0 <= $1 }, "a counter went down between scrapes: \(a) -> \(b)")
        }

        // The real output passes promtool's checks with nothing to say.
        let body = try #require(w.request("GET", "/metrics")).body
        #expect(!body.contains("sleeper") && !body.contains("ok1"), "no job id in the metrics")
        for name in ["queuectl_jobs_finished_total", "queuectl_attempts_total"] {
            #expect(body.contains("# TYPE \(name) counter\n") && body.contains("# HELP \(name) "))
        }
        guard let tool = Self.promtool() else {
            print("SKIP: promtool not on PATH (Debian package `prometheus`; .ci/run installs it): `promtool check metrics` not run")
            return
        }
        let check = try Self.promtoolCheck(tool, body)
        #expect(check.code == 0 && check.output.isEmpty, "promtool check metrics: exit \(check.code): \(check.output)\n\(body)")
        #expect(w.process.stop() == 0)
    }
    @Test func aWorkerKilledBetweenItsFoldAndItsUnlinkIsCountedOnce() throws {
        let s = TempSpool()
        s.fast(["lease": "1"])
        let w = WebFixture(s)
        #expect(s.run("enqueue", "--id", "a1", "--command", "true").code == 0)
        // The worker folds its counters as it stops, then is killed before it removes its registration.
        let w1 = s.startWorker(env: ["QUEUECTL_CRASH_AT": "stats:folded"])
        #expect(eventually(timeout: 30) { s.ids(in: .completed) == ["a1"] })
        _ = w1.stop()
        #expect(processIsGone(w1.pid))
        #expect(s.spool.workers().count == 1, "the registration was left behind")
        let totals = s.read(s.path("stats/totals.json"))
        #expect(totals.contains("\"folded\"") && totals.contains(w1.pid.description), "\(totals)")
        #expect(Self.counters(w) == [1, 1, 0, 0], "folded and still registered: counted once")
        // recover removes the registration; its second fold adds nothing.
        #expect(s.run("recover").code == 0)
        #expect(s.spool.workers().isEmpty)
        #expect(Self.counters(w) == [1, 1, 0, 0])
        #expect(s.run("fsck").code == 0, "stats/ is not a finding")
        // A new worker adds to them.
        #expect(s.run("enqueue", "--id", "a2", "--command", "true").code == 0)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(Self.counters(w) == [2, 2, 0, 0])
        #expect(w.process.stop() == 0)
    }
}
