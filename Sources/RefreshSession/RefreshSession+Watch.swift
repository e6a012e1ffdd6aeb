import FileWatch
import RefreshRunner
import RefreshVocabulary
import RunHistory
import RunViews

extension RefreshSession {
  /// The files a refresh watches: `--watch-path`, else the colon-separated
  /// `OS_REFRESH_CONFIG_WATCH_PATHS` (set and empty: none), else /etc; none
  /// with `--no-watch`. `OS_REFRESH_CONFIG_WATCH_METHOD` (`scan` or
  /// `fanotify`) forces a method; another value costs a WARNING.
  static func watchSettings(for request: RefreshRequest, environment: ProcessEnvironment, console: ConsoleLog)
    -> FileWatchSettings?
  {
    guard !request.noWatch else { return nil }
    var paths = request.watchPaths
    if paths.isEmpty {
      paths =
        environment.dictionary["OS_REFRESH_CONFIG_WATCH_PATHS"].map { $0.split(separator: ":").map(String.init) }
        ?? WatchScope.defaultPaths
    }
    // The history's own files and the lock change with every run: never the node's configuration.
    let own = [request.databasePath, request.lockfile].compactMap { $0 }.map(WatchScope.pattern(forFilesStartingWith:))
    let scope = WatchScope(paths: paths, excludes: WatchScope.defaultExcludes + own + request.watchExcludes)
    guard !scope.paths.isEmpty else { return nil }
    var settings = FileWatchSettings(scope: scope)
    settings.contentLimit = request.maxFileContent
    if let method = environment.dictionary["OS_REFRESH_CONFIG_WATCH_METHOD"], !method.isEmpty {
      settings.method = WatchMethod(rawValue: method)
      if settings.method == nil {
        console.log(
          .warning, "OS_REFRESH_CONFIG_WATCH_METHOD must be scan or fanotify; the best method there is is used")
      }
    }
    return settings
  }
}
