import QueueSystem

/// The claimer's side of group limits: before a candidate of a limited group is claimed, a
/// slot of its group must be taken (`Spool.takeGroupSlot`); while a group is full its
/// candidates are parked in the `CandidateQueue` (not offered again before the next poll
/// interval, so scans skip them) and the other groups and ungrouped jobs keep flowing.
///
/// Cost: with no group limit configured nothing is read. Otherwise each candidate's file is
/// read once to learn its group, and the answer is cached per name (bounded); a full group
/// costs one listing of `groups/<group>/` per loop turn, and its other candidates a
/// dictionary lookup. When one of this worker's jobs of a group ends, the best parked names of
/// that group (at most its limit) are offered again at once; other workers' releases are seen
/// when the parking ends (`poll_interval`).
///
/// Only the worker loop's thread calls its methods, except `released(_:)` (any thread).
final class GroupGate: @unchecked Sendable {
    /// What `admit` decided for one candidate.
    enum Admission {
        /// Claim it; `slot` is the slot taken for it (nil: not in a limited group).
        case go(slot: GroupSlot?)
        /// Its group is full: it was parked.
        case parked
        /// Its file is gone (another worker claimed it).
        case gone
    }

    private var groupOf: [String: GroupName?] = [:]
    private var parked: [GroupName: [String: JobState]] = [:]
    private var fullThisTurn: Set<GroupName> = []
    private var limits: [String: Int] = [:]
    private let freed = LockedValue<[GroupName]>([])
    /// Slots whose attempt's command ended while processes of it still hold its run lock.
    private let lingering = LockedValue<[(slot: GroupSlot, job: JobID)]>([])
    private static let cacheBound = 50_000

    /// A slot of `group` was given back by this worker (called from a job's thread).
    func released(_ group: GroupName) { freed.withLock { $0.append(group) } }

    /// Keeps `slot` until the run lock of `job` is free (called from a job's thread).
    func linger(_ slot: GroupSlot, job: JobID) { lingering.withLock { $0.append((slot, job)) } }

    /// Gives back the lingering slots whose attempt has really ended now.
    private func releaseEnded(spool: Spool) {
        let ended = lingering.withLock { list -> [GroupSlot] in
            let done = list.filter { !spool.runIsActive($0.job) }.map(\.slot)
            list.removeAll { item in done.contains(item.slot) }
            return done
        }
        for slot in ended {
            spool.releaseGroupSlot(slot)
            released(slot.group)
        }
    }

    /// Starts a claiming turn: new limits unpark everything (the queue rescans); a group one of
    /// our jobs left gets its best parked names offered again.
    func beginTurn(limits newLimits: [String: Int], queue: CandidateQueue, spool: Spool, now: Timestamp) {
        fullThisTurn = []
        releaseEnded(spool: spool)
        let freedGroups = freed.takeAll()
        if newLimits != limits {
            limits = newLimits
            let all = parked.values.flatMap { $0.map { CandidateQueue.Candidate(name: $0.key, state: $0.value) } }
            parked = [:]
            if !all.isEmpty { queue.unpark(all, now: now, rescan: true) }
            return
        }
        for group in Set(freedGroups) {
            guard let names = parked[group], !names.isEmpty else { continue }
            let best = names.keys.sorted().prefix(max(1, min(limits[group.rawValue] ?? 1, 64)))
            let candidates = best.map { CandidateQueue.Candidate(name: $0, state: names[$0]!) }
            for c in candidates { parked[group]![c.name] = nil }
            queue.unpark(candidates, now: now)
        }
    }

    /// Decides whether `candidate` may be claimed now, taking a slot of its group when it has a
    /// limit; parks it (until `now + parkSeconds`) when its group is full.
    /// - Parameter warn: told when a slot cannot be taken for a reason of the system (the
    ///   candidate is parked).
    /// A file that does not parse and was written less than `dropGrace` ago may still be
    /// being written (its group is not known yet): it waits like a full group's job; older, it
    /// goes on to the claim, which quarantines it.
    func admit(_ candidate: CandidateQueue.Candidate, spool: Spool, worker: ProcessTag, queue: CandidateQueue,
               now: Timestamp, parkSeconds: Double, dropGrace: Double, warn: (String) -> Void) -> Admission {
        if limits.isEmpty { return .go(slot: nil) }
        let group: GroupName?
        if let cached = groupOf[candidate.name] {
            group = cached
        } else {
            let file = spool.path(candidate.state.directory, candidate.name)
            do {
                group = try spool.readJob(at: file).group
            } catch let e as SystemError where e.isNotFound {
                return .gone
            } catch {
                guard let st = try? FileStatus.of(file),
                      Timestamp(micros: st.modifiedNanos / 1000).adding(seconds: dropGrace) > now else {
                    return .go(slot: nil)  // unreadable for good: the claim quarantines it
                }
                queue.park(candidate, until: now.adding(seconds: min(parkSeconds, dropGrace)))
                return .parked
            }
            if groupOf.count >= GroupGate.cacheBound { groupOf.removeAll(keepingCapacity: true) }
            groupOf[candidate.name] = .some(group)
        }
        guard let group, let limit = limits[group.rawValue],
              let id = JobFileName.id(of: candidate.name, in: candidate.state) else { return .go(slot: nil) }
        if !fullThisTurn.contains(group) {
            do {
                if let slot = try spool.takeGroupSlot(group, limit: limit, worker: worker, job: id) { return .go(slot: slot) }
            } catch {
                warn("group \(group): cannot take a slot: \(error)")
            }
            fullThisTurn.insert(group)
        }
        queue.park(candidate, until: now.adding(seconds: parkSeconds))
        if parked[group, default: [:]].count >= GroupGate.cacheBound { parked[group] = [:] }
        parked[group, default: [:]][candidate.name] = candidate.state
        return .parked
    }

    /// True when a parked name of a full group is still waiting in pending/ or failed/ (the
    /// names that are gone are forgotten). For `--exit-when-idle`: such a job is due.
    func hasWaiting(spool: Spool) -> Bool {
        for (group, names) in parked {
            for (name, state) in names {
                if (try? FileStatus.of(spool.path(state.directory, name))) != nil { return true }
                parked[group]![name] = nil
            }
        }
        return false
    }
}

extension Worker {
    /// The group step of a claim (see `GroupGate.admit`), with this worker's config.
    func admit(_ candidate: CandidateQueue.Candidate, _ s: inout LoopState) -> GroupGate.Admission {
        groupGate.admit(candidate, spool: spool, worker: tag, queue: s.queue, now: s.now,
                        parkSeconds: s.config.pollInterval, dropGrace: s.config.dropGrace, warn: { emit(.warning($0)) })
    }

    /// Gives back the slot of an attempt that ended (or of a claim that did not happen) and
    /// tells the loop, which offers the group's parked jobs again.
    func releaseSlot(_ slot: GroupSlot) {
        spool.releaseGroupSlot(slot)
        groupGate.released(slot.group)
    }

    /// After the command of `job` ended: its slot is given back once no process of the
    /// attempt holds the run lock any more (one that left the process group with the job's
    /// output open still runs); until then the loop looks again every turn.
    func finishSlot(_ slot: GroupSlot, job: JobID) {
        guard spool.runIsActive(job) else { return releaseSlot(slot) }
        emit(.warning("job \(job): processes of its attempt still hold \(spool.logPath(job)); its slot \(slot.path) is kept until they end"))
        groupGate.linger(slot, job: job)
        wakeChannel.wake()
    }

    /// Slots of dead workers are given back (after their claims were recovered).
    func recoverGroupSlots(_ s: LoopState) {
        let released = spool.recoverGroupSlots(config: s.config, now: s.now, me: tag).released  // `recover` reports bad slot files
        for r in released { emit(.groupSlotReleased(r)) }
        if !released.isEmpty { s.queue.invalidate() }
    }
}
