"""The upload form of the browser imports: kind, file and (for facts) the source department.

It checks what can be checked without opening the workbook (extension, size, magic bytes); the archive
checks and the cells are the validation step's work (households/excel/reading.py).
"""

from __future__ import annotations

from django import forms

from ..excel.reading import MAX_FILE_BYTES, OLE_MAGIC, ZIP_MAGIC
from ..jobs import import_kinds_for
from ..models import Job


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入类型", widget=forms.RadioSelect)
    file = forms.FileField(
        label="Excel 文件",
        help_text=f"仅限 .xlsx，第一个工作表，第1行为表头；不超过 {MAX_FILE_BYTES // 1024 // 1024} MB",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    source = forms.CharField(
        label="来源部门（仅导入事实）",
        max_length=50,
        required=False,
        help_text="部门比对数据填写部门名称，如 公安、民政；不填则记为县级录入",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = import_kinds_for(user)
        self.fields["kind"].choices = [(kind, Job.Kind(kind).label) for kind in kinds]
        self.fields["kind"].initial = Job.Kind.IMPORT_ROSTER
        if Job.Kind.IMPORT_FACTS not in kinds:
            del self.fields["source"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"文件大小 {upload.size / 1024 / 1024:.1f} MB 超过上限 {MAX_FILE_BYTES // 1024 // 1024} MB；"
                "请按乡镇分成几个文件导入"
            )
        upload.seek(0)
        magic = upload.read(8)
        upload.seek(0)
        if name.endswith(".xls") or magic == OLE_MAGIC:
            raise forms.ValidationError("这是旧版 Excel（.xls）文件或加密的工作簿：请在 Excel 中另存为 .xlsx 后再上传")
        if not name.endswith(".xlsx"):
            raise forms.ValidationError("请上传 Excel 工作簿（.xlsx）文件")
        if not magic.startswith(ZIP_MAGIC):
            raise forms.ValidationError("文件内容不是 Excel 工作簿（.xlsx），可能已损坏或只是改了扩展名")
        return upload

    def clean_source(self):
        return self.cleaned_data.get("source", "").strip()

    def options(self) -> dict[str, str]:
        data = self.cleaned_data
        if data["kind"] == Job.Kind.IMPORT_FACTS and data.get("source"):
            return {"source": data["source"]}
        return {}
