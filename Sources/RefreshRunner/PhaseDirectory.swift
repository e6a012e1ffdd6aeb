import RefreshVocabulary
import SystemInterface

/// One executable found in a phase directory, in the order it will run.
public struct Script: Sendable, Hashable {
  /// The file name, e.g. `20-neutron`.
  public let name: String
  /// The path it is run by: the phase directory joined with the name.
  public let path: String
  /// Its place in the phase, from 0.
  public let position: Int
}

/// A directory entry that dib-run-parts would not run, and why.
public struct PassedOverEntry: Sendable, Hashable {
  /// Why an entry is not run.
  public enum Reason: String, Sendable {
    case notRegularFile = "not a regular file"
    case notExecutable = "not executable"
    case nameDoesNotMatch = "name does not match"
  }
  /// The file name.
  public let name: String
  /// Why it was passed over.
  public let reason: Reason
}

/// What a phase's directory holds, as dib-run-parts sees it.
public enum PhaseDirectory: Sendable {
  /// The path does not exist: the phase is skipped.
  case absent
  /// The path exists but is not a directory: the phase fails.
  case notADirectory
  /// The directory cannot be listed: the phase fails.
  case unreadable(SystemError)
  /// The scripts to run in order, and what was passed over.
  case listed(scripts: [Script], passedOver: [PassedOverEntry])

  /// Inspects `path`, selecting scripts as dib-run-parts does: entries that
  /// are regular files after following symlinks, executable by us, whose
  /// names match `pattern`, in `LC_ALL=C sort -n` order.
  public static func inspect(_ path: String, pattern: RunPartsPattern) -> PhaseDirectory {
    switch DirectoryEntries.read(path) {
    case .absent: return .absent
    case .notADirectory: return .notADirectory
    case .unreadable(let error): return .unreadable(error)
    case .names(let names):
      var passedOver: [PassedOverEntry] = []
      var runnable: [String] = []
      for name in names {
        let entryPath = joinPath(path, name)
        if !DirectoryEntries.isRegularFile(entryPath) {
          passedOver.append(PassedOverEntry(name: name, reason: .notRegularFile))
        } else if access(entryPath, X_OK) != 0 {
          passedOver.append(PassedOverEntry(name: name, reason: .notExecutable))
        } else if !pattern.matches(name) {
          passedOver.append(PassedOverEntry(name: name, reason: .nameDoesNotMatch))
        } else {
          runnable.append(name)
        }
      }
      let scripts = RunPartsOrder.sorted(runnable).enumerated().map { position, name in
        Script(name: name, path: joinPath(path, name), position: position)
      }
      return .listed(scripts: scripts, passedOver: passedOver.sorted { $0.name < $1.name })
    }
  }
}

/// The environment files of `BASE/environment.d`, in the order they are sourced.
public struct EnvironmentFiles: Sendable {
  /// The full paths to source, in order.
  public let paths: [String]
  /// Entries that are not sourced, and why.
  public let passedOver: [PassedOverEntry]

  /// Lists `directory` as dib-run-parts does: regular files after following
  /// symlinks whose names match `[0-9A-Za-z_.-]+`, in the order of
  /// `LANG=C sort -n` on their *full paths*. No path starts with a number, so
  /// that is plain byte order of the names (`010-c 1.5-d 10-b 9-a Z-f _e`), not
  /// the numeric order phase scripts get. A
  /// missing or unlistable directory yields no files, as `[ -d ]` and `find`
  /// make it in dib-run-parts.
  public static func list(
    _ directory: String, pattern: RunPartsPattern = .environmentFiles
  ) -> EnvironmentFiles {
    guard case .names(let names) = DirectoryEntries.read(directory) else {
      return EnvironmentFiles(paths: [], passedOver: [])
    }
    var passedOver: [PassedOverEntry] = []
    var chosen: [String] = []
    for name in names {
      if !DirectoryEntries.isRegularFile(joinPath(directory, name)) {
        passedOver.append(PassedOverEntry(name: name, reason: .notRegularFile))
      } else if !pattern.matches(name) {
        passedOver.append(PassedOverEntry(name: name, reason: .nameDoesNotMatch))
      } else {
        chosen.append(name)
      }
    }
    return EnvironmentFiles(
      paths: chosen.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map {
        joinPath(directory, $0)
      },
      passedOver: passedOver.sorted { $0.name < $1.name }
    )
  }
}

// MARK: - Reading directories

/// The names in a directory, read with opendir(3)/readdir(3).
public enum DirectoryEntries {
  case absent
  case notADirectory
  case unreadable(SystemError)
  case names([String])

  public static func read(_ path: String) -> DirectoryEntries {
    var info = stat()
    if stat(path, &info) != 0 {
      let code = errno
      if code == ENOENT || code == ENOTDIR { return .absent }
      return .unreadable(SystemError(call: "stat", code: code, subject: path))
    }
    guard info.st_mode & S_IFMT == S_IFDIR else { return .notADirectory }
    guard let stream = opendir(path) else {
      return .unreadable(SystemError(call: "opendir", code: errno, subject: path))
    }
    defer { closedir(stream) }
    var names: [String] = []
    while true {
      errno = 0
      guard let entry = readdir(stream) else {
        if errno != 0 {
          return .unreadable(SystemError(call: "readdir", code: errno, subject: path))
        }
        break
      }
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return .names(names)
  }

  /// A directory once symlinks are followed (Python's `os.path.isdir`).
  public static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
  }

  /// `find -xtype f`: a regular file once symlinks are followed.
  static func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
  }
}
