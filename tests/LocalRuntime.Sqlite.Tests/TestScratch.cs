namespace LocalRuntime.Sqlite.Tests;

/// <summary>A temporary folder for one test, deleted (with everything in it) afterwards.</summary>
public sealed class TestScratch : IDisposable
{
    private readonly Lazy<string> _folder = new(() =>
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "st-sqlite-tests", Guid.NewGuid().ToString("N"))).FullName);

    /// <summary>The folder (created on first use).</summary>
    public string Folder => _folder.Value;

    /// <summary>A path in the folder.</summary>
    public string File(string name) => Path.Combine(Folder, name);

    public void Dispose()
    {
        if (_folder.IsValueCreated && Directory.Exists(_folder.Value))
        {
            Directory.Delete(_folder.Value, recursive: true);
        }
    }
}
