using EdgeCache.Deploy.Tests.Terraform;

namespace EdgeCache.Deploy.Tests.Checks;

/// <summary>
/// Templates are used as the conventions say: each templatefile call names an existing templates/NAME.tftpl with an
/// inline object whose keys are exactly the names the template interpolates; templates hold only plain <c>${name}</c>
/// interpolations; every template is rendered by some call; a systemd unit template has exactly one ExecStart= line.
/// </summary>
internal static class TemplateCheck
{
    public static IReadOnlyList<string> Run(TerraformTree tree)
    {
        var failures = new List<string>();
        foreach (var directory in tree.Directories)
        {
            var rendered = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (file, call) in TemplateRendering.Calls(directory))
            {
                var where = $"{file.Path}: {call.Name}";
                failures.AddRange(call.Problems.Select(problem => $"{where}: {problem}"));
                var template = TemplateRendering.TemplateFile(directory, call);
                if (template is null)
                {
                    continue;
                }

                if (!File.Exists(template))
                {
                    failures.Add($"{where}: {tree.RelativePath(template)} does not exist");
                    continue;
                }

                rendered.Add(template);
                failures.AddRange(KeyMismatches(call, TemplateText.Parse(File.ReadAllText(template)).Names).Select(mismatch => $"{where} {mismatch}"));
            }

            foreach (var template in TemplatesOf(directory))
            {
                var path = tree.RelativePath(template);
                var text = File.ReadAllText(template);
                failures.AddRange(TemplateText.Parse(text).Problems.Select(problem => $"{path} {problem}"));
                if (!rendered.Contains(template))
                {
                    failures.Add($"{path} is rendered by no templatefile call of {directory.Path}");
                }

                var starts = ExecStart.LinesIn(text).Count();
                if (template.EndsWith(".service.tftpl", StringComparison.Ordinal) && starts != 1)
                {
                    failures.Add($"{path} has {starts} ExecStart= lines; a unit starts the CLI exactly once");
                }
            }
        }

        return failures.Distinct(StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<string> KeyMismatches(TemplateFileCall call, IReadOnlySet<string> names)
    {
        var keys = call.Arguments.Select(argument => argument.Key).ToList();
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            if (keys.Count(other => other == key) > 1)
            {
                yield return $"passes \"{key}\" twice";
            }

            if (!names.Contains(key))
            {
                yield return $"passes \"{key}\", which the template does not use";
            }
        }

        foreach (var name in names.Order(StringComparer.Ordinal).Where(name => !keys.Contains(name)))
        {
            yield return $"does not pass \"{name}\", which the template uses";
        }
    }

    private static IEnumerable<string> TemplatesOf(TerraformDirectory directory)
    {
        var templates = Path.Combine(directory.FullPath, "templates");
        return Directory.Exists(templates)
            ? Directory.EnumerateFiles(templates, "*.tftpl").Order(StringComparer.Ordinal)
            : [];
    }
}
