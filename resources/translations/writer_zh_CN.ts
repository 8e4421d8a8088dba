<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>CompletionController</name>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="102" />
        <source>&amp;Suggest</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="105" />
        <source>Suggest how the text goes on, in grey: Tab accepts it, Ctrl+Right one word, Alt+] the next alternative, Esc dismisses it ({0})</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="108" />
        <source>Suggest While &amp;Idle</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="153" />
        <source>Suggestions need a cursor, not a selection</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="172" />
        <source>No suggestion: {0}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="187" />
        <source>The model has no suggestion here</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="145" />
        <source>Next tokens</source>
        <translation>下一个词元</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="150" />
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="178" />
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="181" />
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="182" />
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="184" />
        <source>&amp;New</source>
        <translation>新建(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="185" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="187" />
        <source>&amp;Continue</source>
        <translation>续写(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="188" />
        <source>Let the model continue the text before the cursor (Ctrl+Enter)</source>
        <translation>让模型续写光标前的文字（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="190" />
        <source>S&amp;top</source>
        <translation>停止(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="191" />
        <source>Stop the generation (Esc)</source>
        <translation>停止生成（Esc）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="193" />
        <source>&amp;Retry</source>
        <translation>重试(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="194" />
        <source>Replace the last generation with a new sample (Ctrl+R)</source>
        <translation>用新的采样替换上一次生成（Ctrl+R）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="196" />
        <source>&amp;Choose Model…</source>
        <translation>选择模型(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="198" />
        <source>Choose the model, device and precision</source>
        <translation>选择模型、设备和精度</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="199" />
        <source>&amp;Default Model</source>
        <translation>默认模型(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="200" />
        <source>Open Model &amp;Folder…</source>
        <translation>打开模型文件夹(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="201" />
        <source>Open &amp;GGUF File…</source>
        <translation>打开 GGUF 文件(&amp;G)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="202" />
        <source>Load from &amp;Hub…</source>
        <translation>从 Hub 加载(&amp;H)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="203" />
        <source>C&amp;ancel Loading</source>
        <translation>取消加载(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="205" />
        <source>Insert Candidate {n}</source>
        <translation>插入候选词 {n}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="210" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="212" />
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="217" />
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="218" />
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="219" />
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="225" />
        <source>Insert &amp;Candidate</source>
        <translation>插入候选词(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="233" />
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="239" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="242" />
        <source>&amp;Instructions / Memory</source>
        <translation>指示 / 记忆(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="246" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="247" />
        <source>&amp;About Writer</source>
        <translation>关于 Writer(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="248" />
        <source>&amp;Copy Diagnostics</source>
        <translation>复制诊断信息(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="250" />
        <source>Generation</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="266" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="267" />
        <source>Stop loading; the current model stays</source>
        <translation>停止加载；保留当前模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="270" />
        <source>No model</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="275" />
        <source>The loaded model</source>
        <translation>已加载的模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="276" />
        <source>Where the model runs</source>
        <translation>模型运行的位置</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="277" />
        <source>The precision the model computes in</source>
        <translation>模型的计算精度</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="278" />
        <source>Speed of the last generation</source>
        <translation>上一次生成的速度</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="280" />
        <source>Tokens of text given to the model / the most it takes</source>
        <translation>提供给模型的词元数 / 模型最多可接受的词元数</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="671" />
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="673" />
        <source>Restored unsaved changes to {name} from {when}</source>
        <translation>已恢复 {name} 中 {when} 未保存的更改</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="675" />
        <source>they are not saved yet: press Ctrl+S to keep them</source>
        <translation>它们尚未保存：按 Ctrl+S 保存</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="689" />
        <source>(none yet)</source>
        <translation>（暂无）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="696" />
        <source>About Writer</source>
        <translation>关于 Writer</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="697" />
        <source>Writer — write with a local language model at your side.</source>
        <translation>Writer —— 让本地语言模型陪你写作。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="706" />
        <source>Diagnostics copied to the clipboard</source>
        <translation>诊断信息已复制到剪贴板</translation>
    </message>
</context>
<context>
    <name>SamplingPanel</name>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="133" />
        <source>Fixed seed</source>
        <translation>固定种子</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="138" />
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="172" />
        <source>Presets…</source>
        <translation>预设…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="175" />
        <source>Put the sliders at a tried combination of settings.</source>
        <translation>将滑块设为一组经过验证的设置。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="177" />
        <source>Defaults</source>
        <translation>默认值</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="178" />
        <source>Put every sampling setting back to its default.</source>
        <translation>将所有采样设置恢复为默认值。</translation>
    </message>
</context>
<context>
    <name>settings</name>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Higher is more surprising, lower more predictable; 0 always picks the likeliest token.</source>
        <translation>越高越出人意料，越低越可预测；0 总是选择最可能的词元。</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Sample only from this many of the likeliest tokens; 0 turns the limit off.</source>
        <translation>只从这么多个最可能的词元中采样；0 表示不限制。</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Sample only from the likeliest tokens that together hold this much probability.</source>
        <translation>只从合计占这么多概率的最可能词元中采样。</translation>
    </message>
    <message>
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>Makes tokens already in the text less likely; 1.0 means no penalty.</source>
        <translation>降低文中已出现词元的概率；1.0 表示不惩罚。</translation>
    </message>
    <message>
        <source>Max new tokens</source>
        <translation>最多新词元</translation>
    </message>
    <message>
        <source>The longest continuation one request may write.</source>
        <translation>一次请求最多可以续写的长度。</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>A fixed seed makes the same settings write the same text; empty means random.</source>
        <translation>固定种子让相同设置写出相同的文字；留空表示随机。</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <source>Sample draws at random, greedy takes the likeliest token, beam searches for the likeliest passage.</source>
        <translation>采样随机抽取，贪心选择最可能的词元，束搜索寻找最可能的段落。</translation>
    </message>
    <message>
        <source>Beams</source>
        <translation>束数</translation>
    </message>
    <message>
        <source>How many candidate passages beam search keeps at each step.</source>
        <translation>束搜索每一步保留的候选段落数。</translation>
    </message>
    <message>
        <source>Sample</source>
        <translation>采样</translation>
    </message>
    <message>
        <source>Greedy</source>
        <translation>贪心</translation>
    </message>
    <message>
        <source>Beam search</source>
        <translation>束搜索</translation>
    </message>
</context>
</TS>