/// Our version: the one source `--version`, the record of each run and the
/// trace read; debian/changelog's newest entry is held to it by a test.
public enum ProductVersion {
  /// The version, as `os-refresh-config --version` prints it.
  public static let current = "0.1.0"
}
