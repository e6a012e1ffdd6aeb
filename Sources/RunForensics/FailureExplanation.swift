import RefreshStore
import RefreshVocabulary

/// What `why` found: the failure, the window it began in, and the causes
/// it finds there, most likely first.
public struct FailureExplanation: Sendable {
  /// A kind of candidate cause (the JSON contract's `kind`).
  public enum CauseKind: String, Sendable, CaseIterable {
    case scriptChanged = "script_changed"
    case scriptAdded = "script_added"
    case scriptRemoved = "script_removed"
    case environmentChanged = "environment_changed"
    case inputKeyChanged = "input_key_changed"
    case inputFileChanged = "input_file_changed"
    case templateChanged = "template_changed"
    case packageChanged = "package_changed"
    case systemChanged = "system_changed"
    /// A watched file it names changed: by hand, or by another script.
    case fileChanged = "file_changed"
    case intermittent
    /// Nothing it uses changed, and it had never failed before in the runs looked at.
    case firstFailure = "first_failure"
  }

  /// One candidate cause.
  public struct Cause: Sendable, Equatable {
    /// Why it may bear on the failure: its place in ``CauseReason``'s table.
    public let reason: CauseReason
    public let kind: CauseKind
    /// The thing itself: `phase/name`, an environment.d file's name, a key
    /// path, a template's path, a package's name, `boot` or `kernel`.
    public let subject: String
    /// One line saying what changed and why it matters (never a secret).
    public let evidence: String
    /// Direct evidence scores 50 and more; circumstantial less (the reason's weight).
    public let score: Int
    /// Whether what changed is an item added or removed (ranked before a
    /// value that changed, at the same weight).
    public let structural: Bool
    /// A unified diff of a changed script's stored contents, when both were kept.
    public var diff: String? = nil

    public init(
      _ reason: CauseReason, subject: String, evidence: String, structural: Bool = false, diff: String? = nil
    ) {
      (self.reason, kind, score) = (reason, reason.kind, reason.weight)
      (self.subject, self.evidence, self.structural, self.diff) = (subject, evidence, structural, diff)
    }

    /// Whether this cause bears on the failed script itself.
    public var isDirect: Bool { score >= 50 }
  }

  /// What failed: a script, or an environment.d file (`environment.d/NAME`).
  public struct Failure: Sendable, Equatable {
    public let phase: Phase
    public let name: String
    /// The script's status word (`failed`, `timeout`, …); `failed` for environment.d.
    public let status: String
    public let exitCode: Int64?
    public let signal: Int64?
    /// How long it ran in the explained run, and usually when it succeeds (microseconds).
    public var duration: Int64? = nil
    public var typicalDuration: Int64? = nil
    /// The run's `--timeout` (seconds) when it stopped the script; nil otherwise.
    public var timeoutSeconds: Int64? = nil
    public var isEnvironment: Bool { name.hasPrefix("environment.d/") }
  }

  public let run: RunSummary
  public let failure: Failure
  /// The last run where it succeeded before the failure began; nil when it
  /// never succeeded since it appeared (or within the runs looked at).
  public let lastGoodRun: Int64?
  /// The first run after `lastGoodRun` where it did not succeed.
  public let firstBadRun: Int64
  /// Runs where it did not succeed, from `firstBadRun` to `run`.
  public let failingRuns: Int
  /// Whether it never succeeded since it first ran (within the runs looked at).
  public let neverSucceeded: Bool
  /// The last lines the failed script (or environment.d file) wrote, secrets hidden as stored.
  public let errorLines: [String]
  public let causes: [Cause]
  /// Package logs read (`/var/log/dpkg.log`, …): where system changes were looked for.
  public let packageLogs: [String]
  /// The Heat deployment that failed, when that is what is explained (no
  /// script failed: heat-config exits 0 whatever its hooks did); `failure`
  /// is then the script that ran it.
  public var deployment: DeploymentRecord? = nil
}
