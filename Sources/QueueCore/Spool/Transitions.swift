/// The one table of legal transitions between directories (spool-layout.md, "Admin
/// transitions" and "When the JSON and the directory disagree"). Admin moves, fsck and
/// recovery all read it, so a move that is legal is also one whose interruption is completed.
///
/// Every move listed here writes the job's new content (with its new `state`) before the
/// rename, so a crash between the two steps leaves a file in the source directory whose JSON
/// names the destination: such a disagreement is an interrupted move, to be completed. Any
/// other disagreement is resolved in favour of the directory.
public enum Transition: String, CaseIterable, Sendable {
    /// `dlq retry ID`: dead/ → pending/ (attempts 0, due now).
    case dlqRetry = "dlq retry"
    /// `retry ID`: failed/ → pending/ (due now).
    case retry
    /// `hold ID`: pending/ or failed/ → held/.
    case hold
    /// `release ID`: held/ → pending/.
    case release
    /// A waiting job whose dependencies completed: waiting/ → pending/.
    case dependenciesMet = "dependencies met"
    /// A waiting job one of whose dependencies ended dead or vanished: waiting/ → dead/.
    case dependencyDead = "dependency dead"

    /// The states the move may start from.
    public var from: Set<JobState> {
        switch self {
        case .dlqRetry: return [.dead]
        case .retry: return [.failed]
        case .hold: return [.pending, .failed]
        case .release: return [.held]
        case .dependenciesMet, .dependencyDead: return [.waiting]
        }
    }

    /// The state the move ends in.
    public var to: JobState {
        switch self {
        case .dlqRetry, .retry, .release, .dependenciesMet: return .pending
        case .hold: return .held
        case .dependencyDead: return .dead
        }
    }

    /// States `delete ID` accepts: any but processing/ (a running job is refused).
    public static let deletable: Set<JobState> = Set(JobState.allCases).subtracting([.processing])

    /// Whether a file in `directory` whose JSON says `jsonState` is a move the queue itself
    /// interrupted (to be completed to `jsonState`), rather than a disagreement the directory wins.
    ///
    /// In processing/, every other JSON state is an interrupted move: a claim that had not yet
    /// rewritten its content (`pending`, `failed`), a finish (`completed`, `failed`, `dead`) or a
    /// recovery (`pending`, `dead`) that had rewritten it but not yet renamed. Elsewhere, it is
    /// one of the moves of this table (`from` → `to`). Same states: no disagreement, false.
    public static func isInterruptedMove(in directory: JobState, jsonState: JobState) -> Bool {
        if directory == jsonState { return false }
        if directory == .processing { return true }
        return allCases.contains { $0.from.contains(directory) && $0.to == jsonState }
    }
}
