import RefreshStore

/// Which two runs `diff` compares.
public enum RunPair {
  /// FROM and TO as given; or TO (default `latest`) and its baseline: the
  /// last successful run before it, or the run just before it when none succeeded.
  public static func resolve(_ references: [String], in queries: HistoryQueries) throws -> (from: Int64, to: Int64) {
    if references.count == 2 {
      return (try queries.resolveRun(typed: references[0]), try queries.resolveRun(typed: references[1]))
    }
    let to = try references.first.map(queries.resolveRun(typed:)) ?? queries.resolveRun(.latest)
    guard let baseline = try queries.baseline(for: to) else { throw ForensicsError.noBaseline(run: to) }
    return (baseline, to)
  }
}

/// What `diff` cannot answer.
public enum ForensicsError: Error, CustomStringConvertible {
  case noBaseline(run: Int64)

  public var description: String {
    switch self {
    case .noBaseline(let run): return "run \(run) is the first recorded run: there is nothing before it to compare with"
    }
  }
}
