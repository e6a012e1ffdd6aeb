import ContentEncoding
import MetadataDocuments
import RefreshRunner
import RefreshStore
import SystemInterface

/// The os-apply-config templates a run's scripts would render, recorded as
/// one input: the root, and as its content a manifest of each file's
/// SHA-256 and the metadata keys it names (never the template itself), so
/// that `why` can tell a changed template, and which keys a script that
/// names the rendered file reads. The manifest is stored once for all the
/// runs that saw the same templates.
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

  /// The record of the templates under `root` (directories walked without
  /// following symbolic links), or none when it holds none.
  static func records(root: String) -> [InputRecord] {
    var files: [String] = []
    var pending = [root]
    var truncated = false
    while let directory = pending.popLast(), !truncated {
      guard case .names(let names) = DirectoryEntries.read(directory) else { continue }
      for name in names where !name.contains("\t") && !name.contains("\n") {
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
    guard !files.isEmpty else { return [] }
    let prefix = root.hasSuffix("/") ? root : root + "/"
    let manifest = TemplateManifest(
      entries: files.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { path in
        entry(path: path, relative: String(path.dropFirst(prefix.count)))
      })
    var record = InputRecord(
      kind: .template, path: root, sha256: ContentDigest.sha256Hex(manifest.text), content: manifest.text,
      error: truncated ? "only the first \(maximumFiles) templates recorded" : nil)
    record.source = root
    return [record]
  }

  private static func entry(path: String, relative: String) -> TemplateManifest.Entry {
    do {
      let read = try SmallFile.read(path, limit: maximumBytes)
      guard read.complete else {
        // Too large to read for keys: digested all the same.
        return TemplateManifest.Entry(path: relative, sha256: try FileDigest.sha256(path) ?? "-", keys: [])
      }
      return TemplateManifest.Entry(
        path: relative, sha256: ContentDigest.sha256Hex(read.bytes), keys: TemplateKeys.names(in: read.bytes))
    } catch {
      return TemplateManifest.Entry(path: relative, sha256: "-", keys: [])
    }
  }
}
