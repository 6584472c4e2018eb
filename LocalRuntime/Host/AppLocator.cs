using System.Diagnostics;

namespace LocalRuntime.Host;

/// <summary>
/// Turns the first argument into a built app folder: a folder is used as is; a <c>.csproj</c> is built first
/// (<c>dotnet build</c>, as <c>func start</c> builds before starting) and its <c>TargetDir</c> used.
/// </summary>
internal static class AppLocator
{
    public static async Task<string> ResolveAsync(string target, TextWriter output, CancellationToken cancellation)
    {
        var path = Path.GetFullPath(target);
        if (Directory.Exists(path))
        {
            var projects = Directory.GetFiles(path, "*.csproj");
            if (File.Exists(Path.Combine(path, "functions.metadata")) || projects.Length != 1)
            {
                return path;
            }

            // A project folder: build its one project, as `func start` run in it would.
            path = projects[0];
        }

        if (!File.Exists(path) || !path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"'{target}' is neither a built Functions app folder nor a .csproj.");
        }

        await output.WriteLineAsync($"Building {path} ...").ConfigureAwait(false);
        var (buildCode, buildOutput) = await DotnetAsync(cancellation, "build", path, "--nologo", "-v", "quiet").ConfigureAwait(false);
        if (buildCode != 0)
        {
            throw new InvalidOperationException($"dotnet build {path} failed with exit code {buildCode}:{Environment.NewLine}{buildOutput}");
        }

        var (code, targetDir) = await DotnetAsync(cancellation, "msbuild", path, "-nologo", "-getProperty:TargetDir").ConfigureAwait(false);
        targetDir = targetDir.Trim();
        if (code != 0 || targetDir.Length == 0 || !Directory.Exists(targetDir))
        {
            throw new InvalidOperationException($"Could not read the TargetDir of {path} (exit code {code}): {targetDir}");
        }

        return targetDir;
    }

    private static async Task<(int ExitCode, string Output)> DotnetAsync(CancellationToken cancellation, params string[] arguments)
    {
        var dotnet = Environment.ProcessPath is { } current && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellation);
        var stderr = process.StandardError.ReadToEndAsync(cancellation);
        await process.WaitForExitAsync(cancellation).ConfigureAwait(false);
        return (process.ExitCode, (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false)));
    }
}
