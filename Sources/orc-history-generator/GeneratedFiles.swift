import ContentEncoding
import FileWatch
import RefreshStore
import RefreshVocabulary

/// The watched files of a generated node: `paths` configuration files
/// under /etc/orc-generated, of which each run rewrites `perRun` in turn
/// (each path's versions spread evenly over the runs), by a configure
/// script, with a line of the new content changed.
struct GeneratedFiles {
  static let root = "/etc/orc-generated"
  let perRun: Int
  let paths: Int

  /// The path of file `index`.
  static func path(_ index: Int) -> String { "\(root)/service-\(index % 40)/file-\(index).conf" }

  /// The log records of run `run`'s changes (at `time`, µs): the watch,
  /// then one change per file.
  func records(run: Int, id: Int64, at time: Int64) -> [LogRecord] {
    guard perRun > 0 else { return [] }
    var records: [LogRecord] = [
      .fileWatch(sequence: 1, runID: id, FileWatchRecord(method: .fanotify, paths: ["/etc"], complete: true))
    ]
    for offset in 0..<perRun {
      let index = (run * perRun + offset) % paths
      let content = Array("[DEFAULT]\nhost = node-1\nworkers = \(run % 64)\ngeneration = \(run)\n".utf8)
      let state = FileState(
        kind: .regular, device: 2049, inode: Int64(100_000 + index), size: Int64(content.count),
        modified: time * 1000, changed: time * 1000, mode: 0o640, owner: 0, group: 0)
      var change = FileChangeRecord(
        path: Self.path(index), change: run * perRun + offset < paths ? .created : .modified, found: .duringRun,
        byRefresh: true, seenAt: time, state: state)
      change.phase = .configure
      change.script = "20-configure-step"
      change.sha256 = ContentDigest.sha256Hex(content)
      change.content = content
      records.append(.fileChange(sequence: Int64(2 + offset), runID: id, change))
    }
    return records
  }
}
