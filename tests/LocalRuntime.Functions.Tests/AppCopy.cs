namespace LocalRuntime.Functions.Tests;

/// <summary>A private copy of HostTestApp's build output, for tests that change the app folder (host.json, files missing).</summary>
internal sealed class AppCopy
{
    private AppCopy(string path) => Path = path;

    public string Path { get; }

    /// <summary>Arguments that point a <see cref="TestHost"/> at this copy.</summary>
    public string[] Args => ["--test-app", Path];

    public static AppCopy Create(Action<string>? change = null)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hosttestapp-" + Guid.NewGuid().ToString("N"));
        Copy(TestPaths.HostTestApp, path);
        change?.Invoke(path);
        return new AppCopy(path);
    }

    public void Delete()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A worker may still hold a file for a moment; the temp folder is cleaned eventually.
        }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, System.IO.Path.Combine(to, System.IO.Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(from))
        {
            // State the exe's extensions keep in the app folder (SQLite stores, locks held by running hosts) is not the app.
            if (System.IO.Path.GetFileName(directory) == ".data")
            {
                continue;
            }

            Copy(directory, System.IO.Path.Combine(to, System.IO.Path.GetFileName(directory)));
        }
    }
}
