import Foundation
import Testing

/// A directory made for one test and removed when the test lets go of it.
public final class TemporaryDirectory {
  public let path: String

  public init(_ label: String = "orc-test") {
    var template = Array("/tmp/\(label).XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed: errno \(errno)")
    path = String(cString: made!)
    chmod(path, 0o755)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }

  /// The path of `relative` inside the directory.
  public func url(_ relative: String) -> String { path + "/" + relative }

  /// Writes `contents` to `relative`, making its directory, with `mode`.
  ///
  /// An executable file is written by a child process (`cp` from a
  /// scratch copy), never through a descriptor of this process: a child
  /// another test forks meanwhile inherits every descriptor we hold until
  /// its exec, and one open for writing on a script makes executing that
  /// script fail with ETXTBSY ("Text file busy").
  @discardableResult
  public func write(_ relative: String, _ contents: String, mode: Int = 0o644) -> String {
    let target = url(relative)
    let parent = (target as NSString).deletingLastPathComponent
    try! FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    guard mode & 0o111 != 0 else {
      try! contents.write(toFile: target, atomically: false, encoding: .utf8)
      chmod(target, mode_t(mode))
      return target
    }
    let source = parent + "/.orc-source-\(UInt64.random(in: 0...UInt64.max))"
    try! contents.write(toFile: source, atomically: false, encoding: .utf8)
    let copied = runCommand("/bin/cp", [source, target], environment: ["PATH": "/usr/bin:/bin"])
    precondition(copied.status == 0, "cp \(source) \(target): \(copied.stderr)")
    unlink(source)
    chmod(target, mode_t(mode))
    return target
  }

  /// Writes an executable `#!/bin/sh` script with `body` to `relative`.
  @discardableResult
  public func script(_ relative: String, _ body: String) -> String {
    write(relative, "#!/bin/sh\n" + body + "\n", mode: 0o755)
  }

  /// Makes the directory `relative` (and its parents).
  @discardableResult
  public func directory(_ relative: String) -> String {
    try! FileManager.default.createDirectory(atPath: url(relative), withIntermediateDirectories: true)
    return url(relative)
  }

  /// The contents of `relative`, or nil when it cannot be read.
  public func read(_ relative: String) -> String? {
    try? String(contentsOfFile: url(relative), encoding: .utf8)
  }

  public func exists(_ relative: String) -> Bool {
    FileManager.default.fileExists(atPath: url(relative))
  }
}
