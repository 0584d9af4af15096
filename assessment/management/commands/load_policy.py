"""python manage.py load_policy FILE.json [--user USERNAME] (FORMATS §4)."""

from django.core.management.base import BaseCommand, CommandError

from households.models import User

from ...policy_file import PolicyFileError, load_policy_values, read_policy_file

EXIT_ERRORS = 1  # invalid JSON or values: nothing was written
EXIT_USAGE = 2  # bad usage: missing or unreadable file, unknown user


class Command(BaseCommand):
    help = (
        "按名称新建或更新政策参数（JSON，见 FORMATS §4）；参数有变化时版本号加一。"
        "退出码：0 成功，1 文件内容有误（未写入），2 用法错误。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="政策参数 JSON 文件")
        parser.add_argument("--user", help="记为修改人的用户名（默认不记）")

    def handle(self, *args, file, user, **options):
        actor = resolve_user(user)
        try:
            data = read_policy_file(file)
            loaded = load_policy_values(data, by=actor)
        except OSError as error:
            raise CommandError(f"无法读取文件 {file}：{error.strerror or error}", returncode=EXIT_USAGE) from None
        except PolicyFileError as error:
            for message in error.errors:
                self.stderr.write(message)
            raise CommandError(
                f"{file}：发现 {len(error.errors)} 处错误，未写入任何数据", returncode=EXIT_ERRORS
            ) from None
        for warning in loaded.warnings:
            self.stderr.write(f"警告：{warning}")
        policy = loaded.policy
        if loaded.created:
            self.stdout.write(f"已新建政策「{policy.name}」第{policy.version}版")
        elif loaded.changed:
            self.stdout.write(f"已更新政策「{policy.name}」，现为第{policy.version}版")
        else:
            self.stdout.write(f"政策「{policy.name}」参数没有变化，仍为第{policy.version}版")
        if policy.missing_message:
            self.stdout.write(f"注意：{policy.missing_message}")


def resolve_user(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"用户“{username}”不存在或已停用", returncode=EXIT_USAGE)
    return user
