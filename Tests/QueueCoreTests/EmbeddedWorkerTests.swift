import Foundation
@testable import QueueCore
import QueueSystem
import Testing

/// A `Worker` run inside another process (here: the test runner), as a server would embed it:
/// no signal handlers, stopped by `stop()`, two of them in one process each woken by its own
/// channel.
@Suite("embedding a worker")
struct EmbeddedWorkerTests {
    private func makeSpool() throws -> (Spool, String) {
        let dir = FileManager.default.temporaryDirectory.path + "/queuectl-embed-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let spool = Spool(root: dir)
        try spool.create()
        try spool.updateConfig { $0.pollInterval = 0.05 }
        return (spool, dir)
    }

    @Test func stopEndsRunAfterTheRunningJobFinishes() throws {
        let (spool, dir) = try makeSpool()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let events = LockedValue<[String]>([])
        var options = Worker.Options()
        options.count = 2
        let worker = Worker(spool: spool, options: options, tag: .current) { event in
            events.withLock { $0.append("\(event)") }
        }
        let finished = LockedValue<Bool>(false)
        DetachedThread.start {
            try? worker.run()
            finished.withLock { $0 = true }
        }
        try spool.enqueue([Job(id: try JobID("e1"), command: "sleep 0.3")])
        #expect(eventually { events.withLock { $0.contains { $0.hasPrefix("jobStarted") } } })
        worker.stop()
        #expect(eventually { finished.withLock { $0 } }, "run() did not return after stop()")
        #expect(try DirectoryStream.names(spool.directory(.completed)).count == 1, "the running job was not let finish")
        #expect(events.withLock { $0.contains("stopping(force: false)") && !$0.contains("stopping(force: true)") })
    }

    @Test func twoWorkersInOneProcessStopIndependently() throws {
        let (spool, dir) = try makeSpool()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let workers = (1...2).map { n in
            Worker(spool: spool, options: Worker.Options(), tag: ProcessTag(escapedHost: "embedded", pid: getpid(), startTime: UInt64(n))) { _ in }
        }
        let finished = LockedValue<[Bool]>([false, false])
        for (i, w) in workers.enumerated() {
            DetachedThread.start {
                try? w.run()
                finished.withLock { $0[i] = true }
            }
        }
        #expect(eventually { spool.workers().count == 2 })
        workers[0].stop()
        #expect(eventually { finished.withLock { $0[0] } })
        #expect(finished.withLock { !$0[1] }, "stopping one worker stopped the other")
        // The other still runs jobs.
        try spool.enqueue([Job(id: try JobID("e2"), command: "true")])
        #expect(eventually { (try? DirectoryStream.names(spool.directory(.completed)).count) == 1 })
        workers[1].stop(force: true)
        #expect(eventually { finished.withLock { $0[1] } })
    }

    private func eventually(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = MonotonicClock.deadline(after: timeout)
        while MonotonicClock.nanos() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }
}
