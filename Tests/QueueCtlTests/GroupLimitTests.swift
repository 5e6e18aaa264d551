import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Issue 13, group limits, through the binary: `enqueue --group`, `config set group.NAME.limit`;
/// at most N jobs of a group run at once across worker processes (checked by the jobs
/// themselves), other jobs keep flowing, a lowered limit holds, a dead worker's slot comes back.
@Suite("group limits", .serialized)
struct GroupLimitTests {
    /// A job command that takes a token (mkdir), records how many tokens exist (how many jobs of
    /// the group run right now, as the jobs themselves see it), waits for the gate `gate`,
    /// then gives its token back and records its end.
    static func tokenJob(_ s: TempSpool, gate: String) -> String {
        let tokens = s.scratch("tokens"), ledger = s.scratch("ledger")
        return "mkdir '\(tokens)/'\"$QUEUECTL_JOB_ID\" && echo \"start $QUEUECTL_JOB_ID $(ls '\(tokens)' | wc -l)\" >> '\(ledger)'; "
            + s.waitForGate(gate) + "; sleep 0.05; echo \"end $QUEUECTL_JOB_ID\" >> '\(ledger)'; rmdir '\(tokens)/'\"$QUEUECTL_JOB_ID\""
    }

    static func tokens(_ s: TempSpool) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: s.scratch("tokens"))) ?? []).sorted()
    }

    /// The most jobs that ran at once, from the ledger (starts minus ends, and the counts the jobs saw).
    static func maxConcurrent(_ s: TempSpool) -> (fromLedger: Int, seen: Int, starts: Int) {
        var running = 0, most = 0, seen = 0, starts = 0
        for line in s.read(s.scratch("ledger")).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.first == "start" {
                running += 1; starts += 1
                most = max(most, running)
                seen = max(seen, parts.count > 2 ? Int(parts[2].trimmingCharacters(in: .whitespaces)) ?? 99 : 99)
            } else if parts.first == "end" {
                running -= 1
            }
        }
        return (most, seen, starts)
    }

    @Test func aLimitOfTwoHoldsAcrossTwoWorkerProcessesAndOtherJobsKeepFlowing() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "0.05"])
        try FileManager.default.createDirectory(atPath: s.scratch("tokens"), withIntermediateDirectories: true)
        #expect(s.run("config", "set", "group.backup.limit", "2").code == 0)
        let command = Self.tokenJob(s, gate: "go")
        for i in 0..<10 {
            let r = s.run(["enqueue", "--group", "backup", "--id", "b\(i)", "--command", command])
            #expect(r.code == 0, "\(r)")
        }
        #expect(s.run("config", "set", "group.reports.limit", "1").code == 0)
        // The first worker takes two (blocked on the gate); its two other slots stay free.
        let first = s.startWorker(["--count", "4"])
        defer { first.kill9() }
        #expect(eventually { Self.tokens(s).count == 2 }, "\(Self.tokens(s))")
        #expect(s.files("groups/backup").count == 2)
        // A second worker process with four free slots starts none either: the slots are files.
        let second = s.startWorker(["--count", "4"])
        defer { second.kill9() }
        let workers = [first, second]
        usleep(600_000)
        #expect(Self.tokens(s).count == 2, "\(Self.tokens(s))")
        #expect(startedIDs(second.output).isEmpty, "\(second.output)")
        #expect(s.files("pending").count == 8)
        // While the group is full, an ungrouped job still runs, and so does another group's.
        #expect(s.run(["enqueue", "--id", "free", "--command", "true"]).code == 0)
        #expect(s.run(["enqueue", "--id", "other", "--group", "reports", "--command", "true"]).code == 0)
        #expect(eventually { s.ids(in: .completed).sorted() == ["free", "other"] }, "\(s.ids(in: .completed))")
        #expect(Self.tokens(s).count == 2)
        // Open the gate: all ten complete, never more than two at once.
        s.openGate("go")
        #expect(eventually(timeout: 60) { s.ids(in: .completed).count == 12 }, "\(s.ids(in: .completed))")
        let m = Self.maxConcurrent(s)
        #expect(m.starts == 10)
        #expect(m.fromLedger <= 2 && m.seen <= 2, "\(m)")
        #expect(m.fromLedger == 2)
        // Every slot was given back.
        #expect(eventually { s.files("groups/backup").isEmpty }, "\(s.files("groups/backup"))")
        for w in workers { #expect(w.stop() == 0, "\(w.errors)") }
    }

    @Test func aLoweredLimitStartsNothingUntilBelowIt() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "0.05"])
        try FileManager.default.createDirectory(atPath: s.scratch("tokens"), withIntermediateDirectories: true)
        #expect(s.run("config", "set", "group.g.limit", "2").code == 0)
        for id in ["a", "b", "c"] {
            #expect(s.run(["enqueue", "--group", "g", "--id", id, "--command", Self.tokenJob(s, gate: "go-" + id)]).code == 0)
        }
        let w = s.startWorker(["--count", "4"])
        defer { w.kill9() }
        #expect(eventually { Self.tokens(s) == ["a", "b"] }, "\(Self.tokens(s))")
        #expect(s.run("config", "set", "group.g.limit", "1").code == 0)
        s.openGate("go-a")
        #expect(eventually { s.ids(in: .completed) == ["a"] })
        usleep(500_000)
        // b still runs: one of the group runs, which is the new limit: c waits.
        #expect(Self.tokens(s) == ["b"], "\(Self.tokens(s))")
        #expect(s.ids(in: .pending) == ["c"])
        s.openGate("go-b")
        #expect(eventually { Self.tokens(s) == ["c"] }, "\(Self.tokens(s))")
        s.openGate("go-c")
        #expect(eventually { s.ids(in: .completed).count == 3 })
        #expect(w.stop() == 0)
    }

    @Test func theSlotOfAKilledWorkerIsRecovered() throws {
        let s = TempSpool()
        s.fast(["kill_grace": "0.2", "poll_interval": "0.05"])
        #expect(s.run("config", "set", "group.g.limit", "1").code == 0)
        // Attempt 1 of "first" hangs (its worker is killed under it); attempt 2 succeeds.
        let hang = "[ \"$QUEUECTL_ATTEMPT\" -ge 2 ] || sleep 600"
        #expect(s.run(["enqueue", "--group", "g", "--id", "first", "--command", hang]).code == 0)
        let w1 = s.startWorker(["--count", "2"])
        defer { w1.kill9() }
        #expect(w1.waitFor("start first attempt 1"))
        #expect(s.run(["enqueue", "--group", "g", "--id", "second", "--command", "true"]).code == 0)
        usleep(300_000)
        #expect(s.ids(in: .pending) == ["second"], "the group is full")
        let slot = s.read(s.path("groups/g/0"))
        #expect(slot.hasPrefix(w1.output.split(separator: " ").dropFirst(2).first.map(String.init) ?? "?"), "\(slot)")
        #expect(slot.hasSuffix("\nfirst\n"), "\(slot)")
        w1.signal(SIGKILL)  // the worker alone: its job's process group lives on
        #expect(w1.wait(timeout: 10) == 128 + SIGKILL)
        let w2 = s.startWorker()
        defer { w2.kill9() }
        #expect(eventually { s.ids(in: .completed).sorted() == ["first", "second"] }, "\(w2.output)")
        #expect(w2.output.contains("released group slot groups/g/0 (job first; worker "), "\(w2.output)")
        #expect(s.job("first")?["attempts"] as? Int == 2)
        #expect(s.files("groups/g").isEmpty)
        #expect(w2.stop() == 0)
    }

    @Test func aSlotIsKeptWhileAProcessOfTheAttemptStillHoldsItsOutput() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "0.05"])
        #expect(s.run("config", "set", "group.g.limit", "1").code == 0)
        // The command exits after 0.2 s, but leaves a process in a session of its own that keeps
        // the job's output (and so its run lock) open for a second.
        let marker = s.scratch("daemon-ended")
        #expect(s.run(["enqueue", "--group", "g", "--id", "a", "--command", "setsid sh -c 'sleep 1; touch \(marker)' & sleep 0.2; exit 0"]).code == 0)
        #expect(s.run(["enqueue", "--group", "g", "--id", "b", "--priority", "-1", "--command", "test -e '\(marker)'"]).code == 0)
        let w = s.startWorker(["--count", "2"])
        defer { w.kill9() }
        #expect(eventually { s.ids(in: .completed).sorted() == ["a", "b"] }, "\(w.output)")
        #expect(s.job("b")?["attempts"] as? Int == 1, "b started only once a's process had ended")
        #expect(w.output.contains("its slot "), "\(w.output)")
        #expect(w.stop() == 0)
    }

    @Test func aWorkerKilledRightAfterTakingASlotLeavesNothingStuck() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "0.05"])
        #expect(s.run("config", "set", "group.g.limit", "1").code == 0)
        #expect(s.run(["enqueue", "--group", "g", "--id", "j", "--command", "true"]).code == 0)
        let crashed = s.run(["worker", "start", "--exit-when-idle"], env: ["QUEUECTL_CRASH_AT": "group:slot-taken"])
        #expect(crashed.code == 128 + SIGKILL, "\(crashed)")
        #expect(s.files("groups/g") == ["0"] && s.ids(in: .pending) == ["j"], "a slot for a job it never claimed")
        let w = s.startWorker()
        defer { w.kill9() }
        #expect(eventually { s.ids(in: .completed) == ["j"] }, "\(w.output)")
        #expect(w.stop() == 0)
        #expect(w.output.contains("released group slot groups/g/0 (job j; worker "), "\(w.output)")
        #expect(s.files("groups/g").isEmpty)
        // What the crash left in tmp/ is a stale temporary, which fsck removes.
        let fsck = s.run("fsck")
        #expect(fsck.code == 1 && fsck.out.contains("stale-tmp") && fsck.out.contains(".slot.tmp"), "\(fsck)")
        #expect(s.run("fsck", "--repair").code == 0)
    }

    @Test func recoverReleasesADeadWorkersSlotAndReportsABadOne() throws {
        let s = TempSpool()
        #expect(s.run("config", "set", "group.g.limit", "1").code == 0)
        #expect(s.run(["enqueue", "--group", "g", "--id", "j", "--command", "true"]).code == 0)
        // A slot of a worker that is dead on this host (no such pid), naming a job it no longer claims.
        let dead = "\(ProcessTag.current.host)-999999-1"
        try FileManager.default.createDirectory(atPath: s.path("groups/g"), withIntermediateDirectories: true)
        s.write(s.path("groups/g/0"), "\(dead)\nj\n")
        s.write(s.path("groups/g/1"), "garbage")
        let r = s.run("recover")
        #expect(r.code == 1, "\(r)")  // the garbage slot needs the admin
        #expect(r.out.contains("released group slot groups/g/0 (job j; worker \(dead) is dead)"), "\(r)")
        #expect(r.err.contains("groups/g/1 is not a slot file"), "\(r)")
        #expect(s.files("groups/g") == ["1"])
    }

    @Test func groupNamesAndLimitsAreValidated() throws {
        let s = TempSpool()
        #expect(s.run("config", "get", "group.backup.limit").out == "unlimited\n")
        #expect(s.run("config", "set", "group.backup.limit", "3").code == 0)
        #expect(s.run("config", "get", "group.backup.limit").out == "3\n")
        #expect(s.run("config", "list").out.contains("group.backup.limit  3"))
        #expect((parseJSON(s.run("config", "list", "--json").out) as? [String: Any])?["group.backup.limit"] as? Int == 3)
        for bad in ["0", "-1", "x", "1.5", "1000001"] {
            let r = s.run("config", "set", "group.backup.limit", bad)
            #expect(r.code == 2 && r.err.contains("group.backup.limit"), "\(bad): \(r)")
        }
        let badKey = s.run("config", "set", "group.a b.limit", "2")
        #expect(badKey.code == 2 && badKey.err.contains("invalid group name"), "\(badKey)")
        #expect(s.run("config", "unset", "group.backup.limit").code == 0)
        #expect(s.run("config", "get", "group.backup.limit").out == "unlimited\n")
        #expect(!s.read(s.path("config.json")).contains("group."))
        for bad in ["", "a/b", "..", "-x", "a b", "x.json"] {
            let r = s.run(["enqueue", "--group", bad, "--command", "true"])
            #expect(r.code == 2 && r.err.contains("invalid group name"), "\(bad): \(r)")
            let j = s.run(["enqueue", #"{"command":"true","group":"\#(bad)"}"#])
            #expect(j.code == 2 && j.err.contains("invalid group name"), "\(bad): \(j)")
        }
        #expect(s.run(["enqueue", #"{"command":"true","group":7}"#]).code == 2)
        #expect(s.files("pending").isEmpty)
        // A hand-edited limit out of range is refused, naming the key.
        let saved = s.read(s.path("config.json"))
        s.write(s.path("config.json"), #"{"group.backup.limit": 0}"#)
        let refused = s.run("config", "list")
        #expect(refused.code == 1 && refused.err.contains("group.backup.limit"), "\(refused)")
        s.write(s.path("config.json"), saved)
        #expect(s.run(["enqueue", "--id", "a", "--group", "backup", "--command", "true"]).code == 0)
        #expect(s.run(["enqueue", #"{"id":"b","command":"true","group":"backup"}"#]).code == 0)
        #expect(s.job("a")?["group"] as? String == "backup")
        #expect(s.job("b")?["group"] as? String == "backup")
    }
}
