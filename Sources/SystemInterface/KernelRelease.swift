/// The running kernel's release, as `uname -r` prints it.
public enum KernelRelease {
  /// nil when uname(2) fails.
  public static func current() -> String? {
    var names = utsname()
    guard uname(&names) == 0 else { return nil }
    return withUnsafeBytes(of: &names.release) { raw in
      let bytes = raw.prefix { $0 != 0 }
      return String(decoding: bytes, as: UTF8.self)
    }
  }
}
