// Chinese for the form builder: form-js's editor has no translation hook for its palette and most of its
// properties panel, so the texts it draws are replaced as they appear (a MutationObserver); anything not
// listed here stays English.
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
  'Output as string': '输出为文本', 'Vertical alignment': '垂直对齐',
};

function translateNode(node) {
  if (node.nodeType === Node.TEXT_NODE) {
    const key = node.data.trim();
    if (ZH[key]) node.data = node.data.replace(key, ZH[key]);
    return;
  }
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  for (const attr of ['title', 'placeholder', 'aria-label']) {
    const value = node.getAttribute(attr);
    if (value && ZH[value]) node.setAttribute(attr, ZH[value]);
  }
  node.childNodes.forEach(translateNode);
}

export function translateZh(root) {
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
