// The modeler's own UI in the reader's language: bpmn-js (palette, context pad, popup
// menus), the Camunda 7 properties panel (headings, entries, tooltips) and our badge.
// zh: everything the editor shows; element type names are composed word by word
// ("Timer Boundary Event (Non Interrupting)" -> 定时器边界事件（非中断）).
// en: only the hints that describe Camunda EL are replaced by this product's expressions.

const EXPRESSION_HINT_EN = 'A Python expression, or Camunda ${…} (e.g. ${amount > 100 && !vip}); '
  + 'helpers: add_working_days(n), add_working_hours(h), now(), today().';
const EXPRESSION_HINT_ZH = 'Python 表达式，或 Camunda 的 ${…} 写法（例如 ${amount > 100 && !vip}）；'
  + '可用函数：add_working_days(n)、add_working_hours(h)、now()、today()。';

const EN = {
  'Start typing "${}" to create an expression.': EXPRESSION_HINT_EN,
  'The due date as an EL expression (e.g. ${someDate}) or an ISO date (e.g. 2015-06-26T09:54:00).':
    'A date: an expression such as ${add_working_days(3)} (working days of the official calendar), '
    + 'a date variable, or an ISO date with offset (e.g. 2026-06-26T18:00:00+08:00).',
  'The follow up date as an EL expression (e.g. ${someDate}) or an ISO date (e.g. 2015-06-26T09:54:00).':
    'A date: an expression such as ${add_working_days(1)}, a date variable, or an ISO date with offset '
    + '(e.g. 2026-06-26T09:00:00+08:00).',
};

const ZH = {
  // the Translations group (assets/translations-provider.js)
  Translations: '翻译',
  'Name ({lang})': '名称（{lang}）',
  'Documentation ({lang})': '文档（{lang}）',
  'Process name ({lang})': '流程名称（{lang}）',
  'Field “{field}” label ({lang})': '字段“{field}”标签（{lang}）',
  'Field “{field}” help ({lang})': '字段“{field}”帮助（{lang}）',
  'Field “{field}” value “{value}” ({lang})': '字段“{field}”选项“{value}”（{lang}）',
  'As written: {text}': '原文：{text}',
  'No default-language text yet': '尚无默认语言（中文）原文',
  // the formRef picker (assets/form-ref-picker.js)
  'Deployed form': '已部署的表单',
  '(no form)': '（无表单）',
  '{key} (not deployed)': '{key}（未部署）',
  'The list of forms could not be loaded.': '无法加载表单列表。',
  'No form is deployed yet: build one in the form builder.': '尚未部署任何表单：请先在表单设计器中创建并部署。',
  'Latest version: v{version}': '最新版本：v{version}',
  'The newest version when the task is created.': '任务创建时的最新版本。',
  'The newest version when the diagram is deployed.': '流程图部署时的最新版本。',
  'Exactly the version chosen below.': '固定使用下方选择的版本。',
  // our badge and notices live in the page's catalogue; these are the modeler's own strings
  'Activate hand tool': '启用抓手工具',
  'Activate lasso tool': '启用套索工具',
  'Activate create/remove space tool': '启用创建/删除空间工具',
  'Activate global connect tool': '启用全局连接工具',
  'Create start event': '创建开始事件',
  'Create end event': '创建结束事件',
  'Create intermediate/boundary event': '创建中间/边界事件',
  'Create gateway': '创建网关',
  'Create task': '创建任务',
  'Create data object reference': '创建数据对象引用',
  'Create data store reference': '创建数据存储引用',
  'Create expanded sub-process': '创建展开的子流程',
  'Create pool/participant': '创建池/参与者',
  'Create group': '创建分组',
  'Append end event': '追加结束事件',
  'Append gateway': '追加网关',
  'Append task': '追加任务',
  'Append intermediate/boundary event': '追加中间/边界事件',
  'Append text annotation': '追加文本注释',
  'Append element': '追加元素',
  'Append compensation activity': '追加补偿活动',
  'Append conditional intermediate catch event': '追加条件中间捕获事件',
  'Append message intermediate catch event': '追加消息中间捕获事件',
  'Append receive task': '追加接收任务',
  'Append signal intermediate catch event': '追加信号中间捕获事件',
  'Append timer intermediate catch event': '追加定时器中间捕获事件',
  'Add lane above': '在上方添加泳道',
  'Add lane below': '在下方添加泳道',
  'Divide into two lanes': '拆分为两个泳道',
  'Divide into three lanes': '拆分为三个泳道',
  'Align elements': '对齐元素',
  'Align elements ': '对齐元素',
  'Align elements left': '左对齐',
  'Align elements center': '水平居中对齐',
  'Align elements right': '右对齐',
  'Align elements top': '顶端对齐',
  'Align elements middle': '垂直居中对齐',
  'Align elements bottom': '底端对齐',
  'Distribute elements horizontally': '水平分布元素',
  'Distribute elements vertically': '垂直分布元素',
  'Change element': '更改元素类型',
  'Change type': '更改类型',
  'Connect using sequence/message flow or association': '用顺序流/消息流或关联连接',
  'Connect to other element': '连接到其他元素',
  'Connect using association': '用关联连接',
  'Connect using data input association': '用数据输入关联连接',
  'Delete': '删除',
  'Add text annotation': '添加文本注释',
  'Search in diagram': '在图中搜索',
  'Open {element}': '打开 {element}',
  'Toggle non-interrupting': '切换非中断',
  'Loop': '循环',
  'Collection': '集合',
  'Parallel multi-instance': '并行多实例',
  'Sequential multi-instance': '顺序多实例',
  'Participant multiplicity': '参与者多重性',
  'Empty pool/participant': '空池/参与者',
  'Expanded pool/participant': '展开的池/参与者',
  'Event based instantiating Gateway': '基于事件的实例化网关',
  'Parallel Event based instantiating Gateway': '并行的基于事件的实例化网关',
  'Event-based gateway': '事件网关',
  'Event Based Gateway': '事件网关',
  'Search': '搜索',
  'No results': '无结果',
  // the properties panel
  'General': '常规',
  'Name': '名称',
  'ID': 'ID',
  'Documentation': '文档',
  'Element documentation': '元素文档',
  'Process documentation': '流程文档',
  'User assignment': '用户分配',
  'Assignee': '处理人',
  'Candidate groups': '候选组',
  'Candidate users': '候选用户',
  'Due date': '到期时间',
  'Follow up date': '跟进时间',
  'Priority': '优先级',
  'Forms': '表单',
  'Form': '表单',
  'Form fields': '表单字段',
  'Form key': '表单键',
  'Form reference': '表单引用',
  'Form ID': '表单 ID',
  'Custom form key': '自定义表单键',
  'Type': '类型',
  'Label': '标签',
  'Default value': '默认值',
  'Validation': '校验',
  'Constraints': '约束',
  'Config': '配置',
  'Values': '取值',
  'Value': '值',
  'Properties': '属性',
  'Condition': '条件',
  'Condition type': '条件类型',
  'Condition Expression': '条件表达式',
  'Condition expression': '条件表达式',
  'Expression': '表达式',
  'Script': '脚本',
  'Inline script': '内联脚本',
  'External resource': '外部资源',
  'Script type': '脚本类型',
  'Format': '格式',
  'Resource': '资源',
  'Result variable': '结果变量',
  'Timer': '定时器',
  'Message': '消息',
  'Signal': '信号',
  'Error': '错误',
  'Errors': '错误',
  'Escalation': '升级',
  'Compensation': '补偿',
  'Link': '链接',
  'Start initiator': '启动人',
  'Initiator': '发起人变量',
  'Candidate starter': '候选启动者',
  'Candidate starter groups': '候选启动组',
  'Candidate starter users': '候选启动用户',
  'Version tag': '版本标签',
  'Version': '版本',
  'Executable': '可执行',
  'Process': '流程',
  'Process ID': '流程 ID',
  'Process name': '流程名称',
  'Participant Name': '参与者名称',
  'Participant ID': '参与者 ID',
  'version tag': '版本标签',
  'Empty pool/participant (removes content)': '空池/参与者（删除内容）',
  'Created in': '创建于',
  'Follow-up date': '跟进时间',
  'Task': '任务',
  'Tasklist': '任务列表',
  'Startable': '可启动',
  'History cleanup': '历史清理',
  'Time to live': '保留时间',
  'Job execution': '作业执行',
  'Job priority': '作业优先级',
  'Retry time cycle': '重试时间周期',
  'Asynchronous continuations': '异步延续',
  'Asynchronous before': '之前异步',
  'Asynchronous after': '之后异步',
  'Exclusive': '独占',
  'Inputs': '输入',
  'Outputs': '输出',
  'Input mapping': '输入映射',
  'Output mapping': '输出映射',
  'Local variable name': '局部变量名',
  'Process variable name': '流程变量名',
  'Assignment type': '赋值类型',
  'Variable assignment value': '变量赋值',
  'Variable name': '变量名',
  'String or expression': '字符串或表达式',
  'List': '列表',
  'Map': '映射',
  'List values': '列表值',
  'Map entries': '映射条目',
  'Key': '键',
  '<none>': '<无>',
  '<empty>': '<空>',
  'Extension properties': '扩展属性',
  'Execution listeners': '执行监听器',
  'Task listeners': '任务监听器',
  'Event type': '事件类型',
  'Listener type': '监听器类型',
  'Listener ID': '监听器 ID',
  'Java class': 'Java 类',
  'Delegate expression': '委托表达式',
  'Delegate Expression': '委托表达式',
  'Delegate Class': '委托类',
  'Delegate Variable Mapping': '委托变量映射',
  'Field injection': '字段注入',
  'Field injections': '字段注入',
  'Implementation': '实现',
  'Implementation type': '实现类型',
  'External': '外部',
  'External task': '外部任务',
  'Connector': '连接器',
  'Connector ID': '连接器 ID',
  'Connector inputs': '连接器输入',
  'Connector outputs': '连接器输出',
  'Topic': '主题',
  'Class': '类',
  'Multi-instance': '多实例',
  'Loop cardinality': '循环次数',
  'Completion condition': '完成条件',
  'Element variable': '元素变量',
  'Multi-instance asynchronous before': '多实例之前异步',
  'Multi-instance asynchronous after': '多实例之后异步',
  'Multi-instance exclusive': '多实例独占',
  'Multi-instance retry time cycle': '多实例重试时间周期',
  'Called element': '被调用元素',
  'Binding': '绑定',
  'Tenant ID': '租户 ID',
  'Business key': '业务键',
  'Business key expression': '业务键表达式',
  'In mappings': '传入映射',
  'Out mappings': '传出映射',
  'In mapping propagation': '传入映射传播',
  'Out mapping propagation': '传出映射传播',
  'Propagate all variables': '传播所有变量',
  'Local': '局部',
  'Source': '来源',
  'Target': '目标',
  'Source expression': '来源表达式',
  'Variables': '变量',
  'Case ref': 'Case 引用',
  'Decision ref': '决策引用',
  'Decision reference': '决策引用',
  'Map decision result': '决策结果映射',
  'Deployment': '部署',
  'deployment': '部署',
  'latest': '最新',
  'version': '版本',
  'versionTag': '版本标签',
  'Latest': '最新',
  'Version tag binding': '版本标签绑定',
  'Timer definition type': '定时器类型',
  'Timer definition': '定时器定义',
  'Date': '日期',
  'Duration': '时长',
  'Cycle': '周期',
  'Global message reference': '全局消息引用',
  'Global signal reference': '全局信号引用',
  'Global error reference': '全局错误引用',
  'Global escalation reference': '全局升级引用',
  'Create new ...': '新建…',
  'Code': '代码',
  'Code variable': '代码变量',
  'Message variable': '消息变量',
  'Throw expression': '抛出表达式',
  'Variable events': '变量事件',
  'Variable name ': '变量名',
  'Wait for completion': '等待完成',
  'Activity reference': '活动引用',
  'Collaboration': '协作',
  'Data object': '数据对象',
  'Categories': '分类',
  'Category value': '分类值',
  'Generated Task Forms': '生成的任务表单',
  'Embedded or External Task Forms': '嵌入式或外部任务表单',
  'Camunda Forms': 'Camunda 表单',
  'Camunda Form': 'Camunda 表单',
  'Form field': '表单字段',
  'Business key field': '业务键字段',
  'Custom type': '自定义类型',
  '<custom type>': '<自定义类型>',
  'string': '字符串',
  'long': '整数',
  'boolean': '布尔',
  'date': '日期',
  'enum': '枚举',
  'Properties ': '属性',
  'start': '开始',
  'end': '结束',
  'take': '经过',
  'create': '创建',
  'assignment': '分配',
  'complete': '完成',
  'delete': '删除',
  'update': '更新',
  'timeout': '超时',
  'Before': '之前',
  'After': '之后',
  'On': '开',
  'Off': '关',
  'Create': '新建',
  'Create new list item': '新建列表项',
  'Delete item': '删除此项',
  'Open documentation': '打开文档',
  'Section contains an error': '本节有错误',
  'Section contains edits': '本节有修改',
  'Toggle list item': '展开/收起列表项',
  'Toggle section': '展开/收起本节',
  'Open pop-up editor': '在弹出编辑器中打开',
  'Opened in editor': '已在编辑器中打开',
  'Select an element to edit its properties.': '选择一个元素以编辑其属性。',
  'Multiple elements are selected. Select a single element to edit its properties.': '选中了多个元素。请只选择一个元素来编辑其属性。',
  'ID must not be empty.': 'ID 不能为空。',
  'ID must be unique.': 'ID 必须唯一。',
  'ID must not contain spaces.': 'ID 不能包含空格。',
  'ID must not contain prefix.': 'ID 不能包含前缀。',
  'ID must be a valid QName.': 'ID 必须是有效的 QName。',
  'Must be a valid ISO 8601 duration.': '必须是有效的 ISO 8601 时长。',
  'Must provide either a value or a type.': '必须填写值或类型。',
  'Must configure <a href=': '必须配置 <a href=',
  'Process variables': '流程变量',
  'Specify more than one group as a comma separated list.': '多个组用逗号分隔。',
  'Specify more than one user as a comma separated list.': '多个用户用逗号分隔。',
  'Start typing "${}" to create an expression.': EXPRESSION_HINT_ZH,
  'The due date as an EL expression (e.g. ${someDate}) or an ISO date (e.g. 2015-06-26T09:54:00).':
    '日期：表达式如 ${add_working_days(3)}（按官方工作日历计算的工作日）、日期变量，或带时区的 ISO 日期（例如 2026-06-26T18:00:00+08:00）。',
  'The follow up date as an EL expression (e.g. ${someDate}) or an ISO date (e.g. 2015-06-26T09:54:00).':
    '日期：表达式如 ${add_working_days(1)}、日期变量，或带时区的 ISO 日期（例如 2026-06-26T09:00:00+08:00）。',
  'Completion': '完成',
  'Take': '经过',
  'Assignment': '分配',
  'Complete': '完成',
  'Update': '更新',
  'Timeout': '超时',
  'A specific point in time defined as ISO 8601 combined date and time representation.': '一个具体时刻，ISO 8601 日期时间格式。',
  'A time duration defined as ISO 8601 durations format.': '一段时长，ISO 8601 时长格式。',
  'A cycle defined as ISO 8601 repeating intervals format.': '一个周期，ISO 8601 重复间隔格式。',
  'A cycle defined as ISO 8601 repeating intervals format, or a cron expression.': '一个周期，ISO 8601 重复间隔格式或 cron 表达式。',
  'How to configure a timer': '如何配置定时器',
  'Documentation: Timer events': '文档：定时器事件',
  'UTC time': 'UTC 时间',
  'UTC plus 2 hours zone offset': 'UTC 加 2 小时时区偏移',
  '15 seconds': '15 秒',
  '1 hour and 30 minutes': '1 小时 30 分钟',
  '14 days': '14 天',
  'every 10 seconds, up to 5 times': '每 10 秒一次，最多 5 次',
  'every day, infinitely': '每天一次，不限次数',
  'Learn more.': '了解更多。',
  'Refers to the process variable name': '指流程变量名',
  'This maps to the process definition key.': '对应流程定义的键。',
  'Version tag by which this process can be referenced.': '引用本流程时可用的版本标签。',
  'Number of days before this resource is being cleaned up. If specified, takes precedence over the engine configuration.':
    '资源被清理前保留的天数；填写后优先于引擎配置。',
  'Specifies the priority of a job. Must be an integer. If no value is provided, the default value is 0. ': '作业优先级，整数；留空为 0。',
  'If turned on, all variables from the parent process instance will be propagated to the child process instance.':
    '开启后，父流程实例的所有变量都传给子流程实例。',
  'If turned on, all variables from the child process instance will be propagated to the parent process instance.':
    '开启后，子流程实例的所有变量都传回父流程实例。',
  'Otherwise, only variables defined via input mappings will be propagated.': '否则只传递输入映射中定义的变量。',
  'Otherwise, only variables defined via output mappings will be propagated.': '否则只传递输出映射中定义的变量。',
  'Uses the most recent deployed resource.': '使用最近部署的资源。',
  'Uses the resource found in the same deployment.': '使用同一次部署中的资源。',
  'Uses the most recent deployed resource with the given version tag.': '使用带该版本标签的最近部署的资源。',
  'Version tag by which the called process will be referenced.': '引用被调用流程所用的版本标签。',
  'Version tag by which the called decision will be referenced.': '引用被调用决策所用的版本标签。',
  'The number of times the engine tries executing this activity if a worker signals a failure. The default is three.':
    '执行失败时引擎重试本活动的次数，默认三次。',
  'Specify more than one variable change event as a comma separated list. Variable change events are:':
    '多个变量变化事件用逗号分隔。变量变化事件有：',
  'Define the name of the variable that will contain the error code.': '存放错误代码的变量名。',
  'Define the name of the variable that will contain the error message.': '存放错误信息的变量名。',
  'Define the name of the variable that will contain the escalation code.': '存放升级代码的变量名。',
  'Toggle linting overlays': '切换检查标记',
  '{errors} Errors, {warnings} Warnings': '{errors} 个错误，{warnings} 个警告',
  '{eventType}: {type}': '{eventType}：{type}',
  'Unparsable FEEL expression.': '无法解析的表达式。',
  'FEEL expression': '表达式',
};

// Element type names: word by word, so every combination reads in Chinese.
const WORDS = {
  'start': '开始', 'end': '结束', 'intermediate': '中间', 'boundary': '边界', 'event': '事件',
  'catch': '捕获', 'throw': '抛出', 'timer': '定时器', 'message': '消息', 'signal': '信号',
  'error': '错误', 'escalation': '升级', 'conditional': '条件', 'compensation': '补偿', 'compensate': '补偿',
  'cancel': '取消', 'link': '链接', 'terminate': '终止', 'multiple': '多重', 'parallel': '并行',
  'task': '任务', 'user': '用户', 'service': '服务', 'script': '脚本', 'manual': '人工', 'send': '发送',
  'receive': '接收', 'business': '业务', 'rule': '规则', 'call': '调用', 'activity': '活动',
  'sub': '子', 'process': '流程', 'sub-process': '子流程', 'subprocess': '子流程', 'collapsed': '折叠的',
  'expanded': '展开的', 'gateway': '网关', 'exclusive': '排他', 'inclusive': '包容', 'complex': '复杂',
  'sequence': '顺序', 'flow': '流', 'default': '默认', 'data': '数据', 'object': '对象', 'store': '存储',
  'reference': '引用', 'participant': '参与者', 'lane': '泳道', 'text': '文本', 'annotation': '注释',
  'group': '分组', 'association': '关联', 'transaction': '事务', 'ad-hoc': '自由', 'ad': '自由', 'hoc': '',
  'input': '输入', 'output': '输出', 'collaboration': '协作', 'message flow': '消息流', 'none': '空',
  'definitions': '定义', 'root': '根', 'element': '元素', 'pool': '池', 'pool/participant': '池/参与者',
};
const NON_INTERRUPTING = /\s*\((non[ -]interrupting)\)\s*$/i;
const BRACKET = /\s*\((collapsed|expanded)\)\s*$/i;

function composeType(text) {
  let rest = text;
  let suffix = '';
  if (NON_INTERRUPTING.test(rest)) { rest = rest.replace(NON_INTERRUPTING, ''); suffix = '（非中断）'; }
  const bracket = rest.match(BRACKET);
  if (bracket) { rest = rest.replace(BRACKET, ''); suffix = `（${WORDS[bracket[1].toLowerCase()].replace('的', '')}）` + suffix; }
  const words = rest.trim().split(/\s+/);
  if (!words.length || words.length > 6) return null;
  const out = [];
  for (const w of words) {
    const zh = WORDS[w.toLowerCase()];
    if (zh === undefined) return null;
    out.push(zh);
  }
  return out.join('') + suffix;
}

function fill(text, replacements) {
  // dmn-js writes some placeholders with spaces: '{ sample }'
  return text.replace(/{([^}]+)}/g, (m, key) => (key.trim() in replacements ? replacements[key.trim()] : m));
}

function lookup(text) {
  if (ZH[text] !== undefined) return ZH[text];
  const listed = text.match(/^List contains (\d+) items?$/);
  if (listed) return `共 ${listed[1]} 项`;
  const pair = text.match(/^([^:]+): (.+)$/); // a listener's label: "Create: Java class"
  if (pair) {
    const [a, b] = [lookup(pair[1]), lookup(pair[2])];
    return a != null && b != null ? `${a}：${b}` : null;
  }
  return composeType(text);
}

// Never inside buttons: Preact loses their clicks once their text node changed (the English
// "Create" beside a list's + is hidden by editor.css on zh pages instead).
const SKIP = '.cm-editor, [contenteditable], textarea, button, .bio-properties-panel-header-label';

/**
 * Some panel strings never reach translate() (labels kept in constants, components that fall
 * back to their own English): translate the panel's text and tooltips in place, as it renders.
 */
export function translateDom(root) {
  const walk = () => {
    const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) {
      const text = node.data.trim();
      if (!/[A-Za-z]/.test(text) || (node.parentElement && node.parentElement.closest(SKIP))) continue;
      const zh = lookup(text);
      if (zh != null && zh !== text) node.data = node.data.replace(text, zh);
    }
    root.querySelectorAll('[title], [placeholder]').forEach((el) => {
      ['title', 'placeholder'].forEach((attr) => {
        const value = (el.getAttribute(attr) || '').trim();
        const zh = value && /[A-Za-z]/.test(value) ? lookup(value) : null;
        if (zh != null && zh !== value) el.setAttribute(attr, zh);
      });
    });
  };
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; walk(); });
  }).observe(root, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['title', 'placeholder'] });
  walk();
}

/**
 * bpmn-js / dmn-js translate(template, replacements) for a locale; zh records what it could not
 * translate. ``extra``: more zh strings, looked up first (dmn-js's, assets/translate-dmn-zh.js).
 */
export function makeTranslate(locale, extra = {}) {
  if (locale !== 'zh') {
    return (template, replacements) => fill(EN[template] || template, replacements || {});
  }
  const missing = new Set();
  window.csMissingTranslations = missing; // read by the browser tests
  return (template, replacements) => {
    let text = extra[template] !== undefined ? extra[template] : ZH[template];
    if (text === undefined) text = composeType(template);
    if (text == null) {
      missing.add(template);
      text = template;
    }
    return fill(text, replacements || {});
  };
}
