import RefreshStore
import SystemInterface

/// A watched file's content as it stood at the end of a run.
public enum FileAtRun {
  /// Why there is no content to give.
  public enum Unrecorded: Error, CustomStringConvertible, Equatable {
    /// No version of it was recorded (up to the run, when one is given).
    case never(path: String, run: Int64?)
    /// It had been deleted, in run `inRun`.
    case deleted(path: String, run: Int64, inRun: Int64)
    /// It had been renamed to `to`, in run `inRun`.
    case renamed(path: String, run: Int64, to: String, inRun: Int64)
    /// It is a secret file: only its keyed digest is kept.
    case secret(path: String)
    /// Only its digest was kept: binary, too large, or unreadable.
    case digestOnly(path: String, why: String)

    public var description: String {
      switch self {
      case .never(let path, nil): "\(quoted(path)) was never recorded (is it under a watched path?)"
      case .never(let path, let run?): "\(quoted(path)) was not recorded by run \(run) or before it"
      case .deleted(let path, let run, let inRun):
        "\(quoted(path)) did not exist at the end of run \(run): run \(inRun) recorded its deletion"
      case .renamed(let path, let run, let to, let inRun):
        "\(quoted(path)) did not exist at the end of run \(run): run \(inRun) recorded its rename to \(quoted(to))"
      case .secret(let path): "\(quoted(path)) is a secret file: only its keyed digest is kept, never its content"
      case .digestOnly(let path, let why): "only the digest of \(quoted(path)) was kept (\(why))"
      }
    }

    private func quoted(_ path: String) -> String { "'" + DisplayText.escaped(path, singleLine: true) + "'" }
  }

  /// The kept bytes of `path` at the end of `run` (secrets masked as stored).
  /// - Throws: ``Unrecorded`` when there are none to give.
  public static func content(path: String, run: Int64, queries: HistoryQueries) throws -> [UInt8] {
    guard let version = try queries.fileVersion(path: path, atRun: run) else {
      throw Unrecorded.never(path: path, run: run)
    }
    let record = version.record
    if record.change == .deleted { throw Unrecorded.deleted(path: path, run: run, inRun: version.runID) }
    if let away = try queries.renamedAway(version, through: run) {
      throw Unrecorded.renamed(path: path, run: run, to: away.record.path, inRun: away.runID)
    }
    if record.secret { throw Unrecorded.secret(path: path) }
    guard version.hasContent, let bytes = try queries.fileContent(version: version.id) else {
      let why =
        record.binary
        ? "it is binary" : record.error.map { "it could not be read: \($0)" } ?? "it was over --max-file-content"
      throw Unrecorded.digestOnly(
        path: path, why: record.state.kind == .regular ? why : "it is a \(record.state.kind.rawValue)")
    }
    return bytes
  }
}
