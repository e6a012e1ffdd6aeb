/// How `why` ranks what it finds: every reason a change can bear on a
/// failure, with its weight, most telling first. The one place the ranking
/// lives (docs/forensics.md copies this table; a unit test checks the copy).
///
/// A weight of 50 or more is direct evidence: the failed script (or
/// environment.d file) itself, or something it is seen to read or run.
/// Below 50, circumstantial: it changed beside the failure. Ties are
/// broken by what changed (an item added or removed before a value that
/// changed), then by the order of this table, then by subject.
public enum CauseReason: String, Sendable, CaseIterable {
  case failedScriptChanged = "the failed script's content changed"
  case failedEnvironmentFile = "the environment.d file that failed changed"
  case failedScriptNew = "the failed script is new and never succeeded"
  case deploymentChanged = "an input, the config or an option of the failed deployment changed"
  case fileItNamesChangedByHand = "a file it names was changed outside any refresh"
  case fileItRendersChangedByHand = "a file it renders from a template was changed outside any refresh"
  case nothingChanged = "nothing it uses changed (intermittent)"
  case firstFailure = "nothing it uses changed, and it never failed before"
  case packageItRuns = "a package providing a command it runs changed"
  case keyItReads = "a key it reads with os-apply-config --key changed"
  case keyItsTemplateReads = "a key read by a template whose file it names changed"
  case keyAnEnvironmentFileReads = "a key an environment.d file reads changed"
  case templateItNames = "a template whose rendered file it names changed"
  case fileItNamesChanged = "a file it names was changed by another script"
  case fileItRendersChanged = "a file it renders from a template was changed by another script"
  case environmentChanged = "an environment.d file changed"
  case earlierScriptRemoved = "a script that ran before it was removed"
  case earlierScriptAdded = "a script that runs before it was added"
  case earlierScriptChanged = "a script that runs before it changed"
  case keyUnknownReads = "a key changed, and which keys it reads cannot be told"
  case failedBefore = "it failed before its last success too (intermittent)"
  case inputFileAddedOrRemoved = "a metadata file appeared or went away"
  case inputFileChanged = "a metadata file changed (no keys to compare)"
  case kernelChanged = "the kernel changed"
  case keyUnderASubtreeItReads = "a key under a whole subtree it reads changed"
  case rebooted = "the node rebooted"
  case keyNotRead = "a key it does not read changed"
  case templateNotNamed = "a template whose file it does not name changed"
  case packageChanged = "a package changed"
  case churn = "a key that changes every run (a signal id, signature, timestamp) changed"

  /// The cause kind it is reported as (the JSON contract's `kind`).
  public var kind: FailureExplanation.CauseKind {
    switch self {
    case .failedScriptChanged, .earlierScriptChanged: .scriptChanged
    case .failedScriptNew, .earlierScriptAdded: .scriptAdded
    case .earlierScriptRemoved: .scriptRemoved
    case .failedEnvironmentFile, .environmentChanged: .environmentChanged
    case .deploymentChanged, .keyItReads, .keyItsTemplateReads, .keyAnEnvironmentFileReads, .keyUnknownReads,
      .keyUnderASubtreeItReads,
      .keyNotRead, .churn:
      .inputKeyChanged
    case .inputFileAddedOrRemoved, .inputFileChanged: .inputFileChanged
    case .templateItNames, .templateNotNamed: .templateChanged
    case .packageItRuns, .packageChanged: .packageChanged
    case .kernelChanged, .rebooted: .systemChanged
    case .nothingChanged, .failedBefore: .intermittent
    case .firstFailure: .firstFailure
    case .fileItNamesChangedByHand, .fileItRendersChangedByHand, .fileItNamesChanged, .fileItRendersChanged:
      .fileChanged
    }
  }

  /// Its weight: 50 and more is direct evidence.
  public var weight: Int {
    switch self {
    case .failedScriptChanged, .failedEnvironmentFile: 100
    case .failedScriptNew, .deploymentChanged: 95
    case .fileItNamesChangedByHand: 92
    case .fileItRendersChangedByHand: 91
    case .nothingChanged, .firstFailure: 90
    case .packageItRuns: 85
    case .keyItReads: 80
    case .keyItsTemplateReads: 78
    case .keyAnEnvironmentFileReads, .templateItNames: 75
    case .fileItNamesChanged: 72
    case .fileItRendersChanged: 71
    case .environmentChanged: 70
    case .earlierScriptRemoved: 65
    case .earlierScriptAdded: 60
    case .earlierScriptChanged: 55
    case .keyUnknownReads: 50
    case .failedBefore: 40
    case .inputFileAddedOrRemoved: 35
    case .inputFileChanged, .kernelChanged, .keyUnderASubtreeItReads: 30
    case .rebooted: 25
    case .keyNotRead: 20
    case .templateNotNamed: 15
    case .packageChanged: 10
    case .churn: 5
    }
  }

  /// Its place in the table, the tie-break after what changed.
  var order: Int { Self.allCases.firstIndex(of: self)! }

  /// The table as docs/forensics.md shows it (Markdown).
  public static var table: String {
    (["| weight | reason | kind |", "| --- | --- | --- |"]
      + allCases.map { "| \($0.weight) | \($0.rawValue) | `\($0.kind.rawValue)` |" }).joined(separator: "\n")
  }
}
