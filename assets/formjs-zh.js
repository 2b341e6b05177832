// Chinese for form-js: its editor and viewer have no translation hook for the palette, most of the
// properties panel and the viewer's own messages, so the texts they draw are replaced as they appear (a
// MutationObserver); anything not listed here stays English. The form's own labels come translated from
// the server (app/engine/formjs.py).
const ZH = {
  'Components': '组件', 'Search components': '搜索组件', 'Input': '输入', 'Selection': '选择',
  'Presentation': '展示', 'Containers': '容器', 'Action': '操作', 'Text field': '文本框', 'Text area': '多行文本',
  'Number': '数字', 'Date time': '日期时间', 'Expression': '表达式', 'File picker': '文件选择', 'Checkbox': '复选框',
  'Checkbox group': '复选框组', 'Radio group': '单选组', 'Select': '下拉选择', 'Tag list': '标签列表',
  'Text view': '文本', 'Image view': '图片', 'Table': '表格', 'HTML view': 'HTML', 'Document preview': '文档预览',
  'Spacer': '间距', 'Separator': '分隔线', 'iFrame': '内嵌页面', 'Group': '分组', 'Dynamic list': '动态列表',
  'Button': '按钮', 'Build your form': '设计你的表单', 'Drag and drop components here to start designing.':
  '把组件拖到这里开始设计。', 'Drag and drop components here.': '把组件拖到这里。',
  'Use the preview window to test your form.': '用预览窗口测试表单。',
  'General': '常规', 'Condition': '条件', 'Validation': '校验', 'Custom properties': '自定义属性',
  'Appearance': '外观', 'Layout': '布局', 'Options source': '选项来源', 'Static options': '固定选项',
  'Serialization': '序列化', 'Constraints': '约束', 'Field label': '字段标签', 'Field description': '字段说明',
  'Key': '键(变量名)', 'Default value': '默认值', 'Required': '必填', 'Minimum length': '最短长度',
  'Maximum length': '最长长度', 'Minimum': '最小值', 'Maximum': '最大值', 'Validation pattern': '校验方式',
  'Custom regular expression': '自定义正则表达式', 'Custom error message': '自定义错误信息', 'Read only': '只读',
  'Disabled': '禁用', 'Label': '标签', 'Value': '值', 'Decimal digits': '小数位数', 'Increment': '步长',
  'Subtype': '子类型', 'Date label': '日期标签', 'Time label': '时间标签', 'Text': '文本', 'Searchable': '可搜索',
  'Prefix': '前缀', 'Suffix': '后缀', 'Type': '类型', 'Columns': '列宽', 'Auto': '自动', 'Email': '电子邮件',
  'Phone': '电话', 'Custom': '自定义', 'Submit': '提交', 'Reset': '重置', 'Checked': '选中', 'Not checked': '未选中',
  'Form': '表单', 'ID': '标识', 'Version tag': '版本标签', 'Data source': '数据来源', 'Height': '高度',
  'Show outline': '显示边框', 'Date': '日期', 'Time': '时间', 'Create new list item': '新增一项',
  'Delete item': '删除', 'Toggle section': '展开/收起', 'Hide if': '隐藏条件', 'Properties': '属性',
  'Text field label': '文本框标签', 'Number label': '数字标签', 'Select label': '下拉选择标签',
  'Output as string': '输出为文本', 'Vertical alignment': '垂直对齐', 'Binds to a form variable': '对应一个表单变量',
  // the viewer's messages
  'Field is required.': '此项必填。', 'Field must be a valid email.': '请填写有效的电子邮件地址。',
  'Field must be a valid  international phone number. (e.g. +4930664040900)': '请填写有效的国际电话号码(如 +862155550101)。',
  'Search': '搜索', 'No results': '无匹配项',
};
const ZH_PATTERNS = [
  [/^Field must have minimum value of (.+)\.$/, '不能小于 $1。'],
  [/^Field must have maximum value of (.+)\.$/, '不能大于 $1。'],
  [/^Field must have minimum length of (.+)\.$/, '至少 $1 个字符。'],
  [/^Field must have maximum length of (.+)\.$/, '最多 $1 个字符。'],
  [/^Field must match pattern (.+)\.$/, '格式不符合要求($1)。'],
];

let extra = {};

function zh(text) {
  if (extra[text]) return extra[text];
  if (ZH[text]) return ZH[text];
  for (const [pattern, replacement] of ZH_PATTERNS) {
    if (pattern.test(text)) return text.replace(pattern, replacement);
  }
  return null;
}

function translateNode(node) {
  if (node.nodeType === Node.TEXT_NODE) {
    const key = node.data.trim();
    const text = key && zh(key);
    if (text) node.data = node.data.replace(key, text);
    return;
  }
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  for (const attr of ['title', 'placeholder', 'aria-label']) {
    const value = node.getAttribute(attr);
    const text = value && zh(value);
    if (text) node.setAttribute(attr, text);
  }
  node.childNodes.forEach(translateNode);
}

// `words`: this page's own choices (the viewer's "Select" is a prompt, the palette's a component name)
export function translateZh(root, words = {}) {
  extra = { ...extra, ...words };
  translateNode(root);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'characterData') translateNode(r.target);
      else if (r.type === 'attributes') translateNode(r.target);
      else r.addedNodes.forEach(translateNode);
    }
  }).observe(root, { subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ['title', 'placeholder', 'aria-label'] });
}
