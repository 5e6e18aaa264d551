import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

@Suite("workers through the binary")
struct WorkerTests {
    @Test func jobIsSeenInProcessingThenCompleted() throws {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"gated","command":"\#(s.waitForGate("go")); echo through"}"#)
        #expect(s.ids(in: .pending) == ["gated"])
        let w = s.startWorker()
        defer { w.kill9() }
        #expect(eventually { s.ids(in: .processing) == ["gated"] })
        // The claim is a rename first and a rewrite second (spool-layout.md, "Claim"); the
        // worker prints its start line only once the rewrite is durable.
        #expect(w.waitFor("start gated attempt 1"))
        let claim = try #require(s.files("processing").first)
        let job = try #require(s.job("gated"))
        #expect(job["state"] as? String == "processing")
        #expect(job["attempts"] as? Int == 1)
        let worker = try #require(job["worker"] as? String)
        #expect(claim == "\(worker).gated.json")
        #expect(w.output.contains("worker \(worker) started"))
        #expect(s.files("pending").isEmpty)
        let status = try #require(parseJSON(s.run("status", "--json").out) as? [String: Any])
        #expect((status["counts"] as? [String: Any])?["processing"] as? Int == 1)

        s.openGate("go")
        #expect(eventually { s.ids(in: .completed) == ["gated"] })
        // A finish links the outcome into completed/ and unlinks the claim once completed/ is
        // fsynced (spool-layout.md, "Finish"): for that moment both names show the one file.
        #expect(eventually { s.files("processing").isEmpty })
        #expect(s.ids(in: .completed) == ["gated"])
        #expect(s.job("gated")?["exit_code"] as? Int == 0)
        #expect(w.stop() == 0)
        #expect(s.run("logs", "gated").out == "through\n")
    }

    @Test func twoSlowJobsOverlapWithCount2() throws {
        let s = TempSpool()
        s.fast()
        let log = s.scratch("times")
        for id in ["s1", "s2"] {
            s.enqueue(#"{"id":"\#(id)","command":"echo \"$QUEUECTL_JOB_ID S $(date +%s.%N)\" >> '\#(log)'; sleep 0.5; echo \"$QUEUECTL_JOB_ID E $(date +%s.%N)\" >> '\#(log)'"}"#)
        }
        let w = s.run("worker", "start", "--count", "2", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(s.ids(in: .completed) == ["s1", "s2"])
        var t: [String: Double] = [:]
        for line in s.read(log).split(separator: "\n") {
            let p = line.split(separator: " ")
            if p.count == 3, let v = Double(p[2]) { t["\(p[0]) \(p[1])"] = v }
        }
        let s1 = try #require(t["s1 S"]), e1 = try #require(t["s1 E"]), s2 = try #require(t["s2 S"]), e2 = try #require(t["s2 E"])
        // Overlap: each started before the other ended.
        #expect(s1 < e2 && s2 < e1, "s1 \(s1)..\(e1) s2 \(s2)..\(e2)")
    }

    @Test func workerWithCount1RunsOneAtATime() throws {
        // The control for the overlap test: with one slot the same jobs do not overlap.
        let s = TempSpool()
        s.fast()
        let log = s.scratch("times")
        for id in ["s1", "s2"] {
            s.enqueue(#"{"id":"\#(id)","command":"echo \"S $(date +%s.%N)\" >> '\#(log)'; sleep 0.1; echo \"E $(date +%s.%N)\" >> '\#(log)'"}"#)
        }
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        let kinds = s.read(log).split(separator: "\n").map { $0.prefix(1) }
        #expect(kinds == ["S", "E", "S", "E"])
    }

    @Test func sigtermLetsTheRunningJobFinish() throws {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"running","command":"\#(s.waitForGate("go")); echo finished","priority":5}"#)
        s.enqueue(#"{"id":"waiting","command":"echo never"}"#)
        let w = s.startWorker(["--count", "1"])
        defer { w.kill9() }
        #expect(w.waitFor("start running attempt 1"))
        w.signal(SIGTERM)
        #expect(w.waitFor("stopping: claiming nothing new"))
        // Still running: it waits for the job.
        #expect(w.wait(timeout: 0.3) == nil)
        #expect(s.ids(in: .processing) == ["running"])
        s.openGate("go")
        #expect(w.wait(timeout: 20) == 0, "\(w.output)\n\(w.errors)")
        #expect(s.ids(in: .completed) == ["running"])
        #expect(s.run("logs", "running").out == "finished\n")
        #expect(w.output.contains("end running completed exit 0"))
        #expect(w.output.contains("worker stopped"))
        // Nothing new was claimed; the worker deregistered.
        #expect(s.ids(in: .pending) == ["waiting"])
        #expect(s.job("waiting")?["attempts"] as? Int == 0)
        #expect(!w.output.contains("start waiting"))
        #expect(s.files("workers").filter { $0.hasSuffix(".json") }.isEmpty, "\(s.files("workers"))")
    }

    @Test func sigintIsAGracefulStopToo() {
        let s = TempSpool()
        s.fast()
        let w = s.startWorker()
        defer { w.kill9() }
        w.signal(SIGINT)
        #expect(w.wait(timeout: 20) == 0)
        #expect(w.output.contains("worker stopped"))
    }

    @Test func jobsSurviveSIGKILLAndTheRestartedWorkerRecoversTheClaim() throws {
        let s = TempSpool()
        s.fast(["lease": "1"])
        let pids = s.scratch("pids")
        // Attempt 1 hangs (until we kill it); attempt 2 succeeds.
        s.enqueue(#"{"id":"victim","priority":5,"command":"echo $$ >> '\#(pids)'; if [ \"$QUEUECTL_ATTEMPT\" = 1 ]; then exec sleep 30; fi; echo second"}"#)
        s.enqueue(#"{"id":"other1","command":"echo o1"}"#)
        s.enqueue(#"{"id":"other2","command":"echo o2"}"#)
        let w1 = s.startWorker(["--count", "1"])
        defer {
            for p in s.read(pids).split(separator: "\n").compactMap({ Int32($0) }) { kill(p, SIGKILL) }
            w1.kill9()
        }
        #expect(w1.waitFor("start victim attempt 1"))
        #expect(eventually { !s.read(pids).isEmpty })
        w1.signal(SIGKILL)
        #expect(w1.wait(timeout: 10) == 128 + SIGKILL)
        // The claim is left behind; nothing was lost.
        #expect(s.ids(in: .processing) == ["victim"])
        #expect(s.ids(in: .pending).sorted() == ["other1", "other2"])

        let w2 = s.run("worker", "start", "--exit-when-idle")
        #expect(w2.code == 0, "\(w2)")
        #expect(w2.out.contains("recovered victim"), "\(w2.out)")
        #expect(w2.out.contains("start victim attempt 2"), "\(w2.out)")
        #expect(s.ids(in: .completed).sorted() == ["other1", "other2", "victim"])
        #expect(s.files("processing").isEmpty)
        let victim = try #require(s.job("victim"))
        #expect(victim["attempts"] as? Int == 2)  // the interrupted attempt counts
        #expect(s.job("other1")?["attempts"] as? Int == 1)
        #expect(s.job("other2")?["attempts"] as? Int == 1)
        #expect(s.run("logs", "victim").out.hasSuffix("second\n"))
    }

    @Test func interruptedAttemptWithNoRetriesLeftGoesDead() throws {
        let s = TempSpool()
        s.fast(["lease": "1"])
        let pids = s.scratch("pids")
        s.enqueue(#"{"id":"once","max_retries":0,"command":"echo $$ >> '\#(pids)'; exec sleep 30"}"#)
        let w1 = s.startWorker()
        defer {
            for p in s.read(pids).split(separator: "\n").compactMap({ Int32($0) }) { kill(p, SIGKILL) }
            w1.kill9()
        }
        #expect(w1.waitFor("start once attempt 1"))
        w1.signal(SIGKILL)
        _ = w1.wait(timeout: 10)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.ids(in: .dead) == ["once"])
        let job = try #require(s.job("once"))
        #expect(job["attempts"] as? Int == 1)
        #expect((job["last_error"] as? String)?.contains("interrupted") == true, "\(job)")
    }

    @Test func configChangeReachesARunningWorker() throws {
        let s = TempSpool()
        s.fast()  // job_timeout 0: no timeout
        let w = s.startWorker()
        defer { w.kill9() }
        // Make sure the worker is idle in its loop with the old config first.
        s.enqueue(#"{"id":"warmup","command":"true"}"#)
        #expect(eventually { s.ids(in: .completed) == ["warmup"] })
        #expect(s.run("config", "set", "job_timeout", "200").code == 0)  // 0.2 s
        let t0 = wallNow()
        s.enqueue(#"{"id":"slow","command":"sleep 5","max_retries":0}"#)
        // Without a reload the job would run its full 5 s and complete.
        #expect(eventually(timeout: 4) { s.ids(in: .dead) == ["slow"] }, "\(w.output)")
        #expect(wallNow() - t0 < 4)
        let job = try #require(s.job("slow"))
        #expect((job["last_error"] as? String)?.contains("timed out") == true, "\(job)")
        #expect(w.stop() == 0)
    }

    @Test func timeoutKillsTheWholeProcessGroup() throws {
        let s = TempSpool()
        s.fast(["kill_grace": "0.2"])
        let bg = s.scratch("bgpid")
        // An inner shell with a background child, as in `sh -c 'sleep 30 & sleep 30'`.
        let cmd = "sh -c 'sleep 30 & echo $! > \"\(bg)\"; sleep 30'"
        let jobJSON = String(data: try JSONSerialization.data(withJSONObject: ["id": "hang", "command": cmd, "max_retries": 0, "timeout": 300]), encoding: .utf8)!
        s.enqueue(jobJSON)
        s.enqueue(#"{"id":"after","command":"echo fine"}"#)
        let t0 = wallNow()
        let w = s.run("worker", "start", "--exit-when-idle")
        let elapsed = wallNow() - t0
        #expect(w.code == 0, "\(w)")
        #expect(elapsed < 10, "took \(elapsed) s")
        #expect(s.ids(in: .dead) == ["hang"])
        let job = try #require(s.job("hang"))
        let err = try #require(job["last_error"] as? String)
        #expect(err.contains("timed out"), "\(err)")
        #expect(w.out.contains("end hang dead: timed out"), "\(w.out)")
        let pid = try #require(Int32(s.read(bg).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(pid, SIGKILL) }
        #expect(eventually(timeout: 5) { processIsGone(pid) }, "the background sleep \(pid) survived the timeout")
        #expect(s.ids(in: .completed) == ["after"])
    }

    @Test func secondSignalKillsRunningJobsAndCountsTheAttempt() throws {
        let s = TempSpool()
        s.fast(["kill_grace": "0.3"])
        s.enqueue(#"{"id":"long","command":"sleep 30","max_retries":2}"#)
        let w = s.startWorker()
        defer { w.kill9() }
        #expect(w.waitFor("start long attempt 1"))
        w.signal(SIGTERM)
        #expect(w.waitFor("stopping: claiming nothing new"))
        w.signal(SIGTERM)
        #expect(w.wait(timeout: 10) == 0, "\(w.output)")
        #expect(w.output.contains("stopping now: killing running jobs"))
        #expect(s.ids(in: .failed) == ["long"])
        let job = try #require(s.job("long"))
        #expect(job["attempts"] as? Int == 1)
        #expect((job["last_error"] as? String)?.contains("was stopped") == true, "\(job)")
        #expect(s.files("processing").isEmpty)
    }

    @Test func jobIgnoringSIGTERMIsKilledAfterKillGrace() throws {
        let s = TempSpool()
        s.fast(["kill_grace": "0.3"])
        s.enqueue(#"{"id":"stubborn","command":"trap '' TERM; sleep 30; echo survived","timeout":200,"max_retries":0}"#)
        let t0 = wallNow()
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(wallNow() - t0 < 10)
        #expect(s.ids(in: .dead) == ["stubborn"])
        #expect((s.job("stubborn")?["last_error"] as? String)?.contains("timed out") == true)
        #expect(s.job("stubborn")?["exit_code"] is NSNull)
        #expect(!s.run("logs", "stubborn").out.contains("survived"))
    }

    @Test func workerStopCommandStopsARunningWorker() {
        let s = TempSpool()
        s.fast()
        let w = s.startWorker()
        defer { w.kill9() }
        let list = s.run("worker", "list", "--json")
        #expect((parseJSON(list.out) as? [[String: Any]])?.first?["status"] as? String == "alive", "\(list)")
        // Run the stopper in the background: the worker is our child, and stays a zombie
        // (which `--wait` counts as running) until we reap it.
        let stopper = s.start(["worker", "stop", "--wait", "--timeout", "10"])
        defer { stopper.kill9() }
        #expect(w.wait(timeout: 10) == 0)
        #expect(stopper.wait(timeout: 10) == 0, "\(stopper.output) \(stopper.errors)")
        #expect(stopper.output.contains("stopping ") && stopper.output.hasSuffix("stopped\n"), "\(stopper.output)")
        #expect(s.run("worker", "list").out == "no workers are registered\n")
    }

    @Test func jobEnvironmentAndStdin() {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"env","command":"echo $QUEUECTL_JOB_ID $QUEUECTL_ATTEMPT; test \"$QUEUECTL_SPOOL\" = '\#(s.root)' && echo spool-ok; cat; echo eof"}"#)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.run("logs", "env").out == "env 1\nspool-ok\neof\n")
    }
}
