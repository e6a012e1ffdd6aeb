/// The VM steps a redaction may take, line by line, and when to give up
/// early: a count, not a clock, so what is stored never depends on the
/// machine's speed, and a stop asked for every ``slice`` steps, so a
/// termination signal is obeyed within a bounded amount of work.
struct SearchBudget {
  /// Steps between two asks of `shouldStop`.
  static let slice = 1 << 16

  /// The steps all lines together may take.
  private let total: Int
  /// The steps taken so far (never more than `total`).
  private(set) var spent = 0
  /// The steps the current line may still take.
  private var lineLeft = 0
  /// Steps until `shouldStop` is asked again; asked at the first step.
  private var untilAsk = 0
  private let shouldStop: (() -> Bool)?
  /// Set once `shouldStop` said yes: every search from then on fails closed.
  private(set) var stopped = false
  /// Whether the last search ran out of steps or was stopped.
  var isExhausted: Bool { lineLeft < 0 }

  /// A budget of `total` steps, giving up when `shouldStop` says so.
  init(total: Int, shouldStop: (() -> Bool)? = nil) {
    self.total = total
    self.shouldStop = shouldStop
  }

  /// A new line may take `steps`, within what is left of the total.
  /// Returns false when it may take none (the line then fails closed).
  mutating func startLine(allowing steps: Int) -> Bool {
    lineLeft = stopped ? 0 : min(steps, total - spent)
    return lineLeft > 0
  }

  /// Takes `steps`; false when the line's allowance ran out or the work
  /// must stop (the search then fails closed).
  mutating func spend(_ steps: Int) -> Bool {
    spent += min(steps, max(lineLeft, 0))
    lineLeft -= steps
    guard lineLeft >= 0 else { return false }
    guard let shouldStop else { return true }
    untilAsk -= steps
    guard untilAsk <= 0 else { return true }
    untilAsk = Self.slice
    if shouldStop() {
      stopped = true
      lineLeft = -1
      return false
    }
    return true
  }
}
