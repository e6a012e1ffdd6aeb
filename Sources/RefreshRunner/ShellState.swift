import SystemInterface

/// What the shell that sourced environment.d changed in itself, beyond its
/// environment, that a child of it inherits: the umask, the working
/// directory and resource limits. Scripts start with it, as they would as
/// that shell's children under the reference.
///
/// Only what the files changed is kept, so scripts otherwise start with our
/// own state (our raised descriptor limit stays ours).
public struct ShellState: Sendable, Equatable {
  /// One resource limit, as setrlimit(2) takes it.
  public struct Limit: Sendable, Equatable {
    public let resource: Int32
    public let soft: UInt
    public let hard: UInt
  }

  /// The umask, when the files changed it.
  public var umask: mode_t?
  /// The working directory (physical), when the files changed it.
  public var directory: String?
  /// The limits the files changed.
  public var limits: [Limit] = []
  /// The signals the files ignored (`trap '' SIG`): ignored in scripts too.
  public var ignoredSignals: [Int32] = []

  /// Whether scripts start with our own state.
  public var isEmpty: Bool { umask == nil && directory == nil && limits.isEmpty && ignoredSignals.isEmpty }

  /// One snapshot of the shell's state, as it reports it.
  struct Snapshot: Equatable {
    var umask: mode_t?
    var directory: String?
    /// By resource number; nil where /proc was not readable.
    var limits: [Int32: (soft: UInt, hard: UInt)]?
    /// Signals the shell ignores by a `trap ''` of its own.
    var ignored: Set<Int32> = []

    static func == (lhs: Snapshot, rhs: Snapshot) -> Bool {
      lhs.umask == rhs.umask && lhs.directory == rhs.directory && lhs.ignored == rhs.ignored
        && lhs.limits?.mapValues { [$0.soft, $0.hard] } == rhs.limits?.mapValues { [$0.soft, $0.hard] }
    }
  }

  /// What changed from `before` to `after`.
  static func change(from before: Snapshot, to after: Snapshot) -> ShellState {
    var state = ShellState()
    if after.umask != before.umask { state.umask = after.umask }
    if after.directory != before.directory { state.directory = after.directory }
    state.ignoredSignals = after.ignored.subtracting(before.ignored).sorted()
    if let old = before.limits, let new = after.limits {
      for resource in new.keys.sorted() {
        guard let value = new[resource] else { continue }
        if let previous = old[resource], previous.soft == value.soft, previous.hard == value.hard { continue }
        state.limits.append(Limit(resource: resource, soft: value.soft, hard: value.hard))
      }
    }
    return state
  }

  /// Parses `umask`'s output (`0022`).
  static func parseUmask(_ text: String) -> mode_t? {
    let digits = text.filter { !$0.isWhitespace }
    guard !digits.isEmpty, digits.count <= 4, let value = UInt32(digits, radix: 8), value <= 0o777 else { return nil }
    return mode_t(value)
  }

  /// Parses /proc/PID/limits: a header line, then one line per resource in
  /// RLIMIT_* order, the name in 26 columns and then the soft and hard
  /// limits (`unlimited` or a number).
  static func parseLimits(_ text: String) -> [Int32: (soft: UInt, hard: UInt)]? {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
    guard lines.count > 1 else { return nil }
    var limits: [Int32: (soft: UInt, hard: UInt)] = [:]
    for (index, line) in lines.dropFirst().enumerated() {
      guard line.count > 26 else { return nil }
      let fields = line.dropFirst(26).split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count >= 2, let soft = limitValue(fields[0]), let hard = limitValue(fields[1]) else { return nil }
      limits[Int32(index)] = (soft, hard)
    }
    return limits
  }

  /// The signals `trap -p`'s output ignores: its `trap -- '' SIGNAME` lines.
  static func parseIgnored(_ text: String) -> Set<Int32> {
    var ignored = Set<Int32>()
    for line in text.split(separator: "\n") where line.hasPrefix("trap -- '' ") {
      let name = line.dropFirst("trap -- '' ".count)
      if let number = signalNumber(String(name)) { ignored.insert(number) }
    }
    return ignored
  }

  private static func limitValue(_ field: Substring) -> UInt? {
    field == "unlimited" ? UInt.max : UInt(field)
  }
}
