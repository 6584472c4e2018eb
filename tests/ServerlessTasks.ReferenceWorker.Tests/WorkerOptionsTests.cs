namespace ServerlessTasks.ReferenceWorker.Tests;

public sealed class WorkerOptionsTests
{
    [Fact]
    public void Parse_ReadmeCommandLine_ReadsEveryOption()
    {
        var options = WorkerOptions.Parse(["--worker-id", "w1", "--capabilities", "resize, transcode", "--url", "http://localhost:7071", "--max-concurrent", "8", "--wait-seconds", "5"]);

        Assert.Equal("w1", options.WorkerId);
        Assert.Equal(["resize", "transcode"], options.Capabilities);
        Assert.Equal(new Uri("http://localhost:7071"), options.BaseUrl);
        Assert.Equal(8, options.MaxConcurrentTasks);
        Assert.Equal(5, options.WaitSeconds);
        Assert.Equal(30, options.DrainTimeout);
    }

    [Theory]
    [InlineData("--capabilities", "resize", "--url", "http://localhost:7071")]
    [InlineData("--worker-id", "w1", "--capabilities", ",", "--url", "http://localhost:7071")]
    [InlineData("--worker-id", "w1", "--capabilities", "resize", "--url", "ftp://x")]
    [InlineData("--worker-id", "w1", "--capabilities", "resize", "--url", "http://x", "--wait-seconds", "31")]
    [InlineData("--worker-id", "w1", "--capabilities", "resize", "--url", "http://x", "--colour", "red")]
    public void Parse_BadCommandLine_ThrowsNamingTheOption(params string[] args)
    {
        var error = Assert.Throws<ArgumentException>(() => WorkerOptions.Parse(args));
        Assert.Contains("--", error.Message, StringComparison.Ordinal);
    }
}
