import MetadataDocuments
import RefreshRunner
import RefreshStore
import SystemInterface

/// The os-apply-config templates a run's scripts would render, recorded as
/// inputs: each file's SHA-256 and the metadata keys it names (never the
/// template itself), so that `why` can tell a changed template, and which
/// keys a script that names the rendered file reads.
enum TemplateInputs {
  /// os-apply-config's default root (`--templates`).
  static let defaultRoot = "/usr/libexec/os-apply-config/templates"
  /// At most this many templates are recorded per run…
  static let maximumFiles = 2000
  /// …and each is read up to this size (larger: digested, keys not read).
  static let maximumBytes = 1 << 20

  /// The root the scripts' os-apply-config uses: `OS_CONFIG_APPLIER_TEMPLATES`
  /// as the run was given it, else the default.
  static func root(environment: [String: String]) -> String {
    let given = environment["OS_CONFIG_APPLIER_TEMPLATES"] ?? ""
    return given.isEmpty ? defaultRoot : given
  }

  /// A record per regular file under `root` (directories walked without
  /// following symbolic links, names in byte order); none when it is absent.
  static func records(root: String) -> [InputRecord] {
    var files: [String] = []
    var pending = [root]
    var truncated = false
    while let directory = pending.popLast(), !truncated {
      guard case .names(let names) = DirectoryEntries.read(directory) else { continue }
      for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
        let path = joinPath(directory, name)
        var info = stat()
        guard lstat(path, &info) == 0 else { continue }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: pending.append(path)
        case S_IFREG, S_IFLNK:
          guard files.count < maximumFiles else {
            truncated = true
            break
          }
          files.append(path)
        default: continue
        }
      }
    }
    return files.sorted().map { record(path: $0, root: root) }
  }

  private static func record(path: String, root: String) -> InputRecord {
    var record: InputRecord
    do {
      let read = try SmallFile.read(path, limit: maximumBytes)
      guard read.complete else {
        record = InputRecord(
          kind: .template, path: path, sha256: try FileDigest.sha256(path),
          error: "keys not read: larger than \(maximumBytes) bytes")
        record.source = root
        return record
      }
      let keys = TemplateKeys.names(in: read.bytes)
      record = InputRecord(
        kind: .template, path: path, sha256: ContentDigest.sha256Hex(read.bytes),
        content: Array(keys.joined(separator: "\n").utf8))
    } catch {
      record = InputRecord(kind: .template, path: path, sha256: nil, error: error.reason)
    }
    record.source = root
    return record
  }
}
