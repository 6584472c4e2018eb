using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Domain.Tests;

public class TaskSpecTests
{
    [Fact]
    public void DependsOn_NoDependencies_IsEmpty()
    {
        var spec = new TaskSpec("a", "echo");
        Assert.Empty(spec.DependsOn);
        Assert.Equal(TaskSpec.DefaultPriority, spec.Priority);
    }
}
